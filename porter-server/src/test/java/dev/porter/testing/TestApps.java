package dev.porter.testing;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds application directories and server configurations for tests: a web.config with the given
 * {@code <aspNetCore>} attributes and environment variables, and a server on an OS-chosen loopback port.
 */
public final class TestApps {

    /**
     * The JVM option that gives an app started in a JVM of its own the JDK's HttpServer, as it has on its own class
     * path: this test class path also holds Porter's in-process {@code HttpServerProvider} (a service).
     */
    public static final String JDK_HTTP_SERVER =
            "-Dcom.sun.net.httpserver.HttpServerProvider=sun.net.httpserver.DefaultHttpServerProvider";

    private TestApps() {
    }

    /** Writes {@code dir/web.config} with an {@code <aspNetCore>} element of these attributes (in order). */
    public static Path writeWebConfig(Path dir, Map<String, String> aspNetCoreAttributes,
            Map<String, String> environmentVariables) {
        return WebConfigFile.write(dir, aspNetCoreAttributes, environmentVariables);
    }

    public static Path write(Path file, String text) {
        return WebConfigFile.write(file, text);
    }

    /** One site on 127.0.0.1 with an OS-chosen port, and these applications (virtual path to directory). */
    public static ServerConfig server(Map<String, Path> applications) {
        return server(applications, RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
    }

    /** As {@link #server(Map)}, with these server-wide request limits and connection limits. */
    public static ServerConfig server(Map<String, Path> applications, RequestLimits requestLimits,
            ServerConfig.WebLimits webLimits) {
        List<ServerConfig.Application> apps = applications.entrySet().stream()
                .map(e -> new ServerConfig.Application(e.getKey(), e.getValue().toAbsolutePath().normalize()))
                .toList();
        Path first = apps.getFirst().physicalPath();
        return new ServerConfig(first.resolve("porter.xml"),
                List.of(new ServerConfig.Site("Default Web Site", 1,
                        List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")), apps,
                        new ServerConfig.LogFile(false, first.resolve("logs")))),
                requestLimits, webLimits);
    }

    /** The java launcher of the JVM running the tests (a JDK 25). */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

}
