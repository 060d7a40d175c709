package dev.porter.springboot;

import dev.porter.integration.PorterIntegration;
import java.net.InetSocketAddress;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Out-of-process behind Porter, the app's own Tomcat/Jetty listens where Porter forwards: {@code server.port} is
 * {@code ASPNETCORE_PORT} and {@code server.address} {@code 127.0.0.1}, ahead of the app's own settings (Porter picks
 * the port; a fixed one would never be reached). In-process and standalone nothing changes.
 */
public class PorterOutOfProcessEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!OnBehindPorter.behindPorter()) {
            return;
        }
        InetSocketAddress address = PorterIntegration.listenAddress(8080);
        environment.getPropertySources().addFirst(new MapPropertySource("porter", Map.of(
                "server.port", address.getPort(),
                "server.address", address.getAddress().getHostAddress())));
    }
}
