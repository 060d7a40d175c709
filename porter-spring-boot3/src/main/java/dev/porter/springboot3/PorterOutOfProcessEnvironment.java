package dev.porter.springboot3;

import dev.porter.spring.PorterEnvironment;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Out-of-process behind Porter, the app's own Tomcat/Jetty listens where Porter forwards ({@code ASPNETCORE_PORT} on
 * {@code 127.0.0.1}) and an app's own context path goes under the virtual path; in-process and standalone nothing
 * changes. What that means is {@link PorterEnvironment#addOutOfProcessSettings}'s, shared by both starters; this
 * class is only Boot's hook, whose package differs between Boot 3.5 and 4.
 */
public class PorterOutOfProcessEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        PorterEnvironment.addOutOfProcessSettings(environment);
    }
}
