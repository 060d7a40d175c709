package dev.porter.testing;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds application directories and server configurations for tests: a web.config with the given
 * {@code <aspNetCore>} attributes and environment variables, and a server on an OS-chosen loopback port.
 */
public final class TestApps {

    private TestApps() {
    }

    /** Writes {@code dir/web.config} with an {@code <aspNetCore>} element of these attributes (in order). */
    public static Path writeWebConfig(Path dir, Map<String, String> aspNetCoreAttributes,
            Map<String, String> environmentVariables) {
        String attributes = aspNetCoreAttributes.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + xml(e.getValue()) + "\"")
                .collect(Collectors.joining(" "));
        String env = environmentVariables.entrySet().stream()
                .map(e -> "          <environmentVariable name=\"" + xml(e.getKey()) + "\" value=\""
                        + xml(e.getValue()) + "\" />\n")
                .collect(Collectors.joining());
        String text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <system.webServer>\n"
                + "    <aspNetCore " + attributes + ">\n"
                + (env.isEmpty() ? "" : "        <environmentVariables>\n" + env + "        </environmentVariables>\n")
                + "    </aspNetCore>\n  </system.webServer>\n</configuration>\n";
        return write(dir.resolve("web.config"), text);
    }

    public static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
