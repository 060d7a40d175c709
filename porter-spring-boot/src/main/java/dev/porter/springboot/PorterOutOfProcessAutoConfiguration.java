package dev.porter.springboot;

import dev.porter.integration.servlet.PorterServletFilter;
import dev.porter.spring.OnBehindPorter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.Ordered;

/**
 * Out-of-process behind Porter: Porter's integration filter runs ahead of every other filter (pairing token → 400,
 * path base as the context path, the client's address and scheme, client certificate, authenticated user, and the
 * module's shutdown request → graceful stop). The app's own Tomcat/Jetty is left alone.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(OnBehindPorter.class)
public class PorterOutOfProcessAutoConfiguration {

    @Bean
    FilterRegistrationBean<PorterServletFilter> porterIntegrationFilter() {
        FilterRegistrationBean<PorterServletFilter> registration = new FilterRegistrationBean<>(
                new PorterServletFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.setName("porterIntegration");
        return registration;
    }
}
