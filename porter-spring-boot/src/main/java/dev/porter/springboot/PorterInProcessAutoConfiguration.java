package dev.porter.springboot;

import dev.porter.spring.OnPorterInProcess;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.servlet.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * In-process in Porter, the app's servlet web server is Porter's: this factory is the app's only
 * {@link ServletWebServerFactory}, so Boot's embedded Tomcat/Jetty back off, and Boot's {@code DispatcherServlet},
 * filters and {@code /error} page are registered into Porter's Servlet host. Ordered before the embedded containers'
 * auto-configurations, whose factories are conditional on no other factory.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
        "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration"})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(OnPorterInProcess.class)
public class PorterInProcessAutoConfiguration {

    @Bean
    PorterServletWebServerFactory porterServletWebServerFactory() {
        return new PorterServletWebServerFactory();
    }
}
