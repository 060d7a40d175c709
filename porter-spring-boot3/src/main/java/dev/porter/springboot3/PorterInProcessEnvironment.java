package dev.porter.springboot3;

import dev.porter.spring.PorterEnvironment;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * In-process, web.config's {@code environmentVariables} configure the app as environment variables would (Boot's
 * relaxed binding: {@code SERVER_SERVLET_CONTEXT_PATH} sets {@code server.servlet.context-path}); out-of-process and
 * standalone nothing changes. What that means is {@link PorterEnvironment#addInProcessVariables}'s, shared by both
 * starters; this class is only Boot's hook, whose package differs between Boot 3.5 and 4.
 */
public class PorterInProcessEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        PorterEnvironment.addInProcessVariables(environment);
    }
}
