package dev.porter.config;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A server configuration (porter.xml, in the shape of IIS's applicationHost.config), validated.
 *
 * @param file where it was read from; for {@code porter run <appDir>} the app's web.config
 */
public record ServerConfig(Path file, List<Site> sites, RequestLimits requestLimits, WebLimits webLimits,
        Security security) {

    public ServerConfig {
        sites = List.copyOf(sites);
    }

    /** A configuration without server-wide security sections: anonymous access, no TLS requirement. */
    public ServerConfig(Path file, List<Site> sites, RequestLimits requestLimits, WebLimits webLimits) {
        this(file, sites, requestLimits, webLimits, Security.DEFAULTS);
    }

    /**
     * {@code <site name id>}: its bindings, applications and access log.
     *
     * @param bindings the {@code http} bindings
     * @param httpsBindings the {@code https} bindings: served with TLS when they name a certificate
     *     ({@link Binding#certificate()}); one without (Visual Studio's applicationhost.config always has one, with a
     *     Windows store's {@code certificateHash}) is read so that such a file works, but not served, and the CLI
     *     warns about it
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

        /** The https bindings that are served (they have a certificate). */
        public List<Binding> servedHttpsBindings() {
            return httpsBindings.stream().filter(b -> b.certificate() != null).toList();
        }

        /**
         * {@code ASPNETCORE_ANCM_HTTPS_PORT} (spec §1.2, ANCM's {@code GetHttpsPort}): the port of the site's served
         * https bindings if they all use one port, else empty (no https binding, or two different ports). Unserved
         * https bindings do not count: an app would redirect to a port nobody answers. On a running server's site
         * (the one an {@code Exchange} names) port-0 bindings carry their real port.
         */
        public String ancmHttpsPort() {
            int port = -1;
            for (Binding b : servedHttpsBindings()) {
                if (port >= 0 && port != b.port()) {
                    return "";
                }
                port = b.port();
            }
            return port < 0 ? "" : Integer.toString(port);
        }
    }

    /**
     * {@code <binding protocol bindingInformation="ip:port:host">}.
     *
     * @param protocol {@code http} or {@code https} (lower case)
     * @param address {@code *} (all addresses) or a literal IP address (IPv6 without brackets)
     * @param hostName empty for any host
     * @param certificate the server certificate of an https binding; null for http, and for an https binding that
     *     names none (not served)
     * @param proxyProtocol Porter's {@code proxyProtocol="true"}: every connection opens with a PROXY protocol v1 or
     *     v2 header (HAProxy's), which names the client; a connection without a valid one is refused
     */
    public record Binding(String protocol, String address, int port, String hostName, TlsCertificate certificate,
            boolean proxyProtocol) {

        public Binding(String protocol, String address, int port, String hostName, TlsCertificate certificate) {
            this(protocol, address, port, hostName, certificate, false);
        }

        public Binding(String protocol, String address, int port, String hostName) {
            this(protocol, address, port, hostName, null);
        }

        /** The same binding on another port (a port-0 binding once the OS has chosen). */
        public Binding withPort(int newPort) {
            return new Binding(protocol, address, newPort, hostName, certificate, proxyProtocol);
        }

        /** The same binding with PROXY protocol on or off. */
        public Binding withProxyProtocol(boolean on) {
            return new Binding(protocol, address, port, hostName, certificate, on);
        }

        public boolean isHttps() {
            return protocol.equals("https");
        }

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
     * @param physicalPath the application's folder
     * @param preloadEnabled IIS's {@code <application preloadEnabled>}: the application starts when the server starts
     *     and again right after each recycle, not on its first request
     * @param disallowOverlappingRotation IIS's application pool {@code recycling disallowOverlappingRotation}, per
     *     application in Porter: {@code false} (the default) starts the new incarnation beside the old one on a
     *     recycle and switches once it is ready; {@code true} stops the old one first (ANCM's behaviour)
     * @param queueLength Porter's bound on the requests the application holds at once (waiting for its start or being
     *     served); one more gets 503 with {@code Retry-After} (IIS's application pool {@code queueLength}, beyond ANCM)
     */
    public record Application(String path, Path physicalPath, boolean preloadEnabled,
            boolean disallowOverlappingRotation, int queueLength) {

        /** The default {@code queueLength}: IIS's {@code appConcurrentRequestLimit}. */
        public static final int DEFAULT_QUEUE_LENGTH = 5000;
        public static final int MAX_QUEUE_LENGTH = 1_000_000;

        public Application(String path, Path physicalPath) {
            this(path, physicalPath, false);
        }

        public Application(String path, Path physicalPath, boolean preloadEnabled) {
            this(path, physicalPath, preloadEnabled, false);
        }

        public Application(String path, Path physicalPath, boolean preloadEnabled,
                boolean disallowOverlappingRotation) {
            this(path, physicalPath, preloadEnabled, disallowOverlappingRotation, DEFAULT_QUEUE_LENGTH);
        }
    }

    /**
     * {@code system.applicationHost/webLimits}: connection timeouts, the request head size limit (http.sys's
     * MaxRequestBytes) that Porter enforces before routing, and the minimum rate at which a client must take a
     * response.
     *
     * @param http2Cleartext Porter's {@code webLimits http2Cleartext}: HTTP/2 with prior knowledge (h2c, RFC 9113
     *     section 3.3) on plain http bindings; off by default, as http.sys has no h2c. Over TLS, HTTP/2 is always
     *     offered (ALPN).
     * @param http2MaxConcurrentStreams Porter's {@code webLimits http2MaxConcurrentStreams} (http.sys's
     *     Http2MaxConcurrentStreams, default 100): SETTINGS_MAX_CONCURRENT_STREAMS per connection
     * @param minBytesPerSecond IIS's {@code minBytesPerSecond} (http.sys's MinSendRate, default 240, 0 disables):
     *     while a response waits for a client that does not take it, the connection is cut when it moves fewer bytes
     *     per second than this (after a grace period)
     * @param underscoresInHeaders Porter's {@code webLimits underscoresInHeaders} (nginx's
     *     {@code underscores_in_headers}, off by default): whether request header names with {@code _} reach the
     *     application; CGI-style servers read {@code X_Forwarded_For} as {@code X-Forwarded-For}. Names that collide
     *     with a framing, hop-by-hop or forwarding header are dropped even when it is on.
     */
    public record WebLimits(Duration connectionTimeout, Duration headerWaitTimeout, int maxRequestBytes,
            boolean http2Cleartext, int http2MaxConcurrentStreams, long minBytesPerSecond,
            boolean underscoresInHeaders) {
        public static final int DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS = 100;
        /** IIS's default {@code minBytesPerSecond}. */
        public static final long DEFAULT_MIN_BYTES_PER_SECOND = 240;
        /** IIS's largest {@code minBytesPerSecond} (a uint). */
        public static final long MAX_MIN_BYTES_PER_SECOND = 4_294_967_295L;
        public static final WebLimits DEFAULTS = new WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 16384);

        public WebLimits(Duration connectionTimeout, Duration headerWaitTimeout, int maxRequestBytes,
                boolean http2Cleartext, int http2MaxConcurrentStreams) {
            this(connectionTimeout, headerWaitTimeout, maxRequestBytes, http2Cleartext, http2MaxConcurrentStreams,
                    DEFAULT_MIN_BYTES_PER_SECOND);
        }

        public WebLimits(Duration connectionTimeout, Duration headerWaitTimeout, int maxRequestBytes,
                boolean http2Cleartext, int http2MaxConcurrentStreams, long minBytesPerSecond) {
            this(connectionTimeout, headerWaitTimeout, maxRequestBytes, http2Cleartext, http2MaxConcurrentStreams,
                    minBytesPerSecond, false);
        }

        /** These limits with another {@code minBytesPerSecond}. */
        public WebLimits withMinBytesPerSecond(long value) {
            return new WebLimits(connectionTimeout, headerWaitTimeout, maxRequestBytes, http2Cleartext,
                    http2MaxConcurrentStreams, value, underscoresInHeaders);
        }

        /** These limits with {@code underscoresInHeaders} set. */
        public WebLimits withUnderscoresInHeaders(boolean value) {
            return new WebLimits(connectionTimeout, headerWaitTimeout, maxRequestBytes, http2Cleartext,
                    http2MaxConcurrentStreams, minBytesPerSecond, value);
        }

        /** The limits with HTTP/2 as configured by default: no h2c, 100 concurrent streams a connection. */
        public WebLimits(Duration connectionTimeout, Duration headerWaitTimeout, int maxRequestBytes) {
            this(connectionTimeout, headerWaitTimeout, maxRequestBytes, false, DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS);
        }
    }

    /**
     * A server certificate with its private key, loaded and checked when the configuration was read.
     *
     * @param file the certificate file (PEM chain, or PKCS#12 store)
     * @param origin where the binding is, for messages: {@code porter.xml line 12 <binding certificateFile>}
     * @param chain leaf first
     */
    public record TlsCertificate(Path file, String origin, List<X509Certificate> chain, PrivateKey key) {
        public TlsCertificate {
            chain = List.copyOf(chain);
        }

        @Override
        public String toString() {
            return "TlsCertificate[" + file + ", " + chain.getFirst().getSubjectX500Principal() + "]";
        }
    }

    /** The server-wide {@code system.webServer/security} sections Porter applies in front of every application. */
    public record Security(Access access, Authentication authentication) {
        public static final Security DEFAULTS = new Security(Access.NONE, Authentication.ANONYMOUS);

        /**
         * {@code ASPNETCORE_IIS_HTTPAUTH} (spec §1.2): {@code windows;} {@code basic;} {@code anonymous;} for what is
         * enabled, in that order, or {@code none}. Porter has no Windows authentication yet.
         */
        public String httpAuthVariable() {
            String value = (authentication.basic().enabled() ? "basic;" : "")
                    + (authentication.anonymous() ? "anonymous;" : "");
            return value.isEmpty() ? "none" : value;
        }
    }

    /**
     * {@code system.webServer/security/access}: IIS's {@code sslFlags} ({@code Ssl}, {@code SslNegotiateCert},
     * {@code SslRequireCert}, {@code Ssl128}) and Porter's {@code clientCertificateAuthorities}.
     *
     * @param requireSsl {@code Ssl}: a request over plain http gets 403 (IIS 403.4)
     * @param negotiateCert {@code SslNegotiateCert}: TLS asks the client for a certificate
     * @param requireCert {@code SslRequireCert}: a request without a client certificate gets 403 (IIS 403.7)
     * @param clientCertificateAuthorities the CAs a client certificate must chain to; empty: the JDK's trusted CAs
     */
    public record Access(boolean requireSsl, boolean negotiateCert, boolean requireCert,
            List<X509Certificate> clientCertificateAuthorities) {
        public static final Access NONE = new Access(false, false, false, List.of());

        public Access {
            clientCertificateAuthorities = List.copyOf(clientCertificateAuthorities);
        }

        /** Whether the TLS handshake asks for a client certificate. */
        public boolean wantsClientCertificate() {
            return negotiateCert || requireCert;
        }
    }

    /** {@code system.webServer/security/authentication}: what the front server accepts. */
    public record Authentication(boolean anonymous, BasicAuthentication basic) {
        public static final Authentication ANONYMOUS = new Authentication(true, BasicAuthentication.DISABLED);
    }

    /**
     * {@code basicAuthentication enabled realm userFile} (RFC 7617); {@code userFile} is Porter's: an htpasswd file
     * with bcrypt entries.
     *
     * @param users user name to bcrypt hash ({@code $2y$...}, as {@code htpasswd -B} writes it)
     */
    public record BasicAuthentication(boolean enabled, String realm, Path userFile, Map<String, String> users) {
        public static final BasicAuthentication DISABLED = new BasicAuthentication(false, "", null, Map.of());

        public BasicAuthentication {
            users = Map.copyOf(users);
        }

        @Override
        public String toString() {
            return "BasicAuthentication[enabled=" + enabled + ", realm=" + realm + ", userFile=" + userFile + ", "
                    + users.size() + " users]";
        }
    }

    /**
     * A site's {@code <logFile>}: the W3C access log, off unless enabled, rolled over as IIS rolls it.
     *
     * @param period IIS's {@code period}: a new file each hour, day (the default), week or month, or at
     *     {@code truncateSize} bytes ({@code MaxSize})
     * @param truncateSize IIS's {@code truncateSize} (default 20 MiB, at least 1 MiB): the size at which a
     *     {@code MaxSize} log rolls over; ignored for the other periods, as in IIS
     * @param localTimeRollover IIS's {@code localTimeRollover}: periods (and file names) follow local time instead of
     *     UTC; the time fields inside stay UTC, as in IIS
     */
    public record LogFile(boolean enabled, Path directory, Period period, long truncateSize,
            boolean localTimeRollover) {

        public static final long DEFAULT_TRUNCATE_SIZE = 20_971_520L;
        public static final long MIN_TRUNCATE_SIZE = 1_048_576L;
        public static final long MAX_TRUNCATE_SIZE = 4_294_967_295L;

        /** A daily log in UTC, IIS's default. */
        public LogFile(boolean enabled, Path directory) {
            this(enabled, directory, Period.DAILY, DEFAULT_TRUNCATE_SIZE, false);
        }

        /** IIS's {@code logFile period} values. */
        public enum Period {
            HOURLY("Hourly"), DAILY("Daily"), WEEKLY("Weekly"), MONTHLY("Monthly"), MAX_SIZE("MaxSize");

            private final String configValue;

            Period(String configValue) {
                this.configValue = configValue;
            }

            public String configValue() {
                return configValue;
            }

            /** The period a {@code period} attribute names (case-insensitively), or null. */
            public static Period parse(String value) {
                for (Period p : values()) {
                    if (p.configValue.equalsIgnoreCase(value.strip())) {
                        return p;
                    }
                }
                return null;
            }
        }
    }
}
