package dev.porter.springboot3;

import dev.porter.servlet.spi.PorterServletHost;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * In-process, the app's own variables (web.config's {@code environmentVariables}) come from Porter's Servlet host and
 * are added ahead of the system environment (which, in the app's domain, shows them too: {@code System.getenv} there
 * is the app's), with Boot's relaxed binding for
 * environment variables ({@code SERVER_SERVLET_CONTEXT_PATH} sets {@code server.servlet.context-path}). Out-of-process
 * and standalone nothing changes (the variables are the process's own).
 */
public class PorterInProcessEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        PorterServletHost host = PorterServletHost.current();
        if (host == null || host.environment().isEmpty()) {
            return;
        }
        Map<String, Object> variables = new LinkedHashMap<>(host.environment());
        SystemEnvironmentPropertySource porter = new SystemEnvironmentPropertySource("porterEnvironment", variables);
        String system = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        if (environment.getPropertySources().contains(system)) {
            environment.getPropertySources().addBefore(system, porter);
        } else {
            environment.getPropertySources().addLast(porter);
        }
    }
}
