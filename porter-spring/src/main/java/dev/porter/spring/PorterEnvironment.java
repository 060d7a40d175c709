package dev.porter.spring;

import dev.porter.integration.PorterIntegration;
import dev.porter.servlet.spi.PorterServletHost;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * What Porter's environment means for a Spring app's configuration, for both starters' environment post-processors
 * (Boot 3.5 and Boot 4 name that interface in different packages; what it does is the same). Called once, on the
 * thread that runs {@code SpringApplication.run}, before the application context is refreshed.
 */
public final class PorterEnvironment {

    /** Boot's default {@code server.port}: how an out-of-process app listens when run standalone. */
    static final int STANDALONE_PORT = 8080;

    private PorterEnvironment() {
    }

    /**
     * In-process, the app's own variables (web.config's {@code environmentVariables}) come from Porter's Servlet host
     * and are added ahead of the system environment (which, in the app's domain, shows them too: {@code System.getenv}
     * there is the app's), with Boot's relaxed binding for environment variables ({@code SERVER_SERVLET_CONTEXT_PATH}
     * sets {@code server.servlet.context-path}). Out-of-process and standalone nothing changes (the variables are the
     * process's own).
     */
    public static void addInProcessVariables(ConfigurableEnvironment environment) {
        PorterServletHost host = PorterServletHost.current();
        if (host == null || host.environment().isEmpty()) {
            return;
        }
        Map<String, Object> variables = new LinkedHashMap<>(host.environment());
        SystemEnvironmentPropertySource porter = new SystemEnvironmentPropertySource("porterEnvironment", variables);
        MutablePropertySources sources = environment.getPropertySources();
        String system = StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME;
        if (sources.contains(system)) {
            sources.addBefore(system, porter);
        } else {
            sources.addLast(porter);
        }
    }

    /**
     * Out-of-process behind Porter, the app's own Tomcat/Jetty listens where Porter forwards: {@code server.port} is
     * {@code ASPNETCORE_PORT} and {@code server.address} {@code 127.0.0.1}, ahead of the app's own settings (Porter
     * picks the port; a fixed one would never be reached); under a sub-application an app with its own
     * {@code server.servlet.context-path} gets it under the virtual path, as in-process. In-process and standalone
     * nothing changes.
     */
    public static void addOutOfProcessSettings(ConfigurableEnvironment environment) {
        if (!OnBehindPorter.behindPorter()) {
            return;
        }
        InetSocketAddress address = PorterIntegration.listenAddress(STANDALONE_PORT);
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
