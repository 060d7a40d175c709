package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A server configuration (porter.xml, in the shape of IIS's applicationHost.config), validated.
 *
 * @param file where it was read from; for {@code porter run <appDir>} the app's web.config
 */
public record ServerConfig(Path file, List<Site> sites, RequestLimits requestLimits, WebLimits webLimits) {

    public ServerConfig {
        sites = List.copyOf(sites);
    }

    /** {@code <site name id>}: its bindings, applications and access log. */
    public record Site(String name, long id, List<Binding> bindings, List<Application> applications, LogFile logFile) {
        public Site {
            bindings = List.copyOf(bindings);
            applications = List.copyOf(applications);
        }
    }

    /**
     * {@code <binding protocol bindingInformation="ip:port:host">}.
     *
     * @param address {@code *} (all addresses) or a literal IP address (IPv6 without brackets)
     * @param hostName empty for any host
     */
    public record Binding(String protocol, String address, int port, String hostName) {
        public boolean anyAddress() {
            return address.equals("*");
        }

        public boolean anyHost() {
            return hostName.isEmpty();
        }
    }

    /**
     * {@code <application path physicalPath>}.
     *
     * @param path the virtual path: {@code /} for the site root, else {@code /seg[/seg]} without a trailing slash
     */
    public record Application(String path, Path physicalPath) {
    }

    /**
     * {@code system.applicationHost/webLimits}: connection timeouts, and the request head size limit (http.sys's
     * MaxRequestBytes) that Porter enforces before routing.
     */
    public record WebLimits(Duration connectionTimeout, Duration headerWaitTimeout, int maxRequestBytes) {
        public static final WebLimits DEFAULTS = new WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 16384);
    }

    /** A site's {@code <logFile>}: the W3C access log, off unless enabled. */
    public record LogFile(boolean enabled, Path directory) {
    }
}
