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

    /**
     * {@code <site name id>}: its bindings, applications and access log.
     *
     * @param bindings the {@code http} bindings: what the front server listens on
     * @param httpsBindings the {@code https} bindings of the file (Visual Studio's applicationhost.config always has
     *     one): read so that such a file works, but <em>not served</em> until the front server speaks TLS; the CLI
     *     warns about each. Not a source for {@code ASPNETCORE_ANCM_HTTPS_PORT} while unserved: an app would redirect
     *     to a port nobody answers.
     */
    public record Site(String name, long id, List<Binding> bindings, List<Application> applications, LogFile logFile,
            List<Binding> httpsBindings) {
        public Site {
            bindings = List.copyOf(bindings);
            applications = List.copyOf(applications);
            httpsBindings = List.copyOf(httpsBindings);
        }

        /** A site with http bindings only. */
        public Site(String name, long id, List<Binding> bindings, List<Application> applications, LogFile logFile) {
            this(name, id, bindings, applications, logFile, List.of());
        }
    }

    /**
     * {@code <binding protocol bindingInformation="ip:port:host">}.
     *
     * @param protocol {@code http} or {@code https} (lower case)
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
