package dev.porter.springboot3;

import dev.porter.integration.PorterIntegration;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Out-of-process behind Porter, the app's own Tomcat/Jetty listens where Porter forwards: {@code server.port} is
 * {@code ASPNETCORE_PORT} and {@code server.address} {@code 127.0.0.1}, ahead of the app's own settings (Porter picks
 * the port; a fixed one would never be reached); under a sub-application an app with its own
 * {@code server.servlet.context-path} gets it under the virtual path, as in-process. In-process and standalone nothing
 * changes.
 */
public class PorterOutOfProcessEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!OnBehindPorter.behindPorter()) {
            return;
        }
        InetSocketAddress address = PorterIntegration.listenAddress(8080);
        Map<String, Object> settings = new HashMap<>();
        settings.put("server.port", address.getPort());
        settings.put("server.address", address.getAddress().getHostAddress());
        String contextPath = contextPathUnder(System.getenv("ASPNETCORE_APPL_PATH"),
                environment.getProperty("server.servlet.context-path"));
        if (contextPath != null) {
            settings.put("server.servlet.context-path", contextPath);
        }
        environment.getPropertySources().addFirst(new MapPropertySource("porter", settings));
    }

    /**
     * The app's own context path under the application's virtual path: {@code /shop} + {@code /api} =
     * {@code /shop/api}, as in-process, where the context path is appended to the virtual path. Porter forwards the
     * full path ({@code /shop/api/x}), so the app's Tomcat must be at {@code /shop/api} to serve it. Null when either
     * is the root: then Tomcat stays at the app's context path and the integration filter takes the base off.
     */
    static String contextPathUnder(String virtualPath, String contextPath) {
        String base = withoutTrailingSlash(virtualPath);
        String own = withoutTrailingSlash(contextPath);
        return base.isEmpty() || own.isEmpty() ? null : base + own;
    }

    private static String withoutTrailingSlash(String path) {
        String p = path == null ? "" : path.trim();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
