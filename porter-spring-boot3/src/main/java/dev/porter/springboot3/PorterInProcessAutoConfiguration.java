package dev.porter.springboot3;

import dev.porter.spring.OnPorterInProcess;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.server.ServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * In-process in Porter, the app's servlet web server is Porter's: this factory is the app's only
 * {@link ServletWebServerFactory}, so Boot's embedded Tomcat/Jetty back off, and Boot's {@code DispatcherServlet},
 * filters and {@code /error} page are registered into Porter's Servlet host. Ordered before Boot 3.5's
 * {@code ServletWebServerFactoryAutoConfiguration}, whose embedded containers are conditional on no other factory and
 * whose customizers ({@code server.servlet.*}, error pages) then apply to this one.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(OnPorterInProcess.class)
public class PorterInProcessAutoConfiguration {

    @Bean
    PorterServletWebServerFactory porterServletWebServerFactory() {
        return new PorterServletWebServerFactory();
    }
}
