package dev.porter.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.porter.config.AdministrationConfig;
import dev.porter.hosting.ApplicationStatus;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ManagedApplication;
import dev.porter.server.admission.BasicCredentials;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint's listener: the JDK's own {@code HttpServer} (no second Netty pipeline for a few requests a
 * second), one virtual thread per request. Routes:
 * <ul>
 * <li>{@code GET /} the live status page; {@code GET /api/status} its data (JSON);</li>
 * <li>{@code GET /metrics} Prometheus text exposition (Micrometer's Prometheus registry);</li>
 * <li>{@code GET /health} 200 {@code serving}, or 503 {@code stopping} from the moment a graceful stop begins (for
 * load balancers; never behind authentication);</li>
 * <li>{@code POST /api/applications/<id>/recycle|offline|online}: recycle an application as a web.config change
 * does; take it offline by writing {@code app_offline.htm} into its directory (as IIS deploy tools do); bring it back
 * by removing that file. A POST must carry {@code X-Porter-Admin: 1}, which a cross-site form cannot send.</li>
 * </ul>
 * With a user file every route but {@code /health} needs Basic credentials (the front server's bcrypt check); a
 * verified {@code Authorization} value is remembered (as a SHA-256 digest) for a minute so that the page's polling
 * does not cost a bcrypt check each time.
 *
 * <p>Threading: handlers run on virtual threads and may block (file writes, bcrypt).
 */
final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final long REMEMBER_NANOS = 60_000_000_000L;
    static final String OFFLINE_PAGE = """
            <!DOCTYPE html>
            <html><head><title>Offline</title></head><body>
            <h1>This application is offline for maintenance.</h1>
            <p>It was taken offline from Porter's admin endpoint.</p>
            </body></html>
            """;

    private final HttpServer http;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final StatusReport report;
    private final HostingModule hosting;
    private final BasicCredentials credentials;
    private final String realm;
    private final Map<String, Long> verified = new ConcurrentHashMap<>();
    private final byte[] page;

    private AdminServer(HttpServer http, ExecutorService executor, AdministrationConfig config,
            PrometheusMeterRegistry registry, StatusReport report, HostingModule hosting) throws IOException {
        this.http = http;
        this.executor = executor;
        this.registry = registry;
        this.report = report;
        this.hosting = hosting;
        this.credentials = config.authentication().enabled() ? new BasicCredentials(config.authentication()) : null;
        this.realm = config.authentication().realm();
        try (InputStream in = AdminServer.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IOException("status.html is missing from Porter's jar");
            }
            this.page = in.readAllBytes();
        }
    }

    static AdminServer start(AdministrationConfig config, PrometheusMeterRegistry registry, StatusReport report,
            HostingModule hosting) throws IOException {
        InetSocketAddress address = config.anyAddress() ? new InetSocketAddress(config.port())
                : new InetSocketAddress(config.address(), config.port());
        HttpServer http;
        try {
            http = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new IOException("the admin endpoint cannot listen on " + format(address) + " (" + config.origin()
                    + "): " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("porter-admin-", 0).factory());
        http.setExecutor(executor);
        AdminServer server = new AdminServer(http, executor, config, registry, report, hosting);
        http.createContext("/", server::handle);
        http.start();
        LOG.info("Admin endpoint on http://{}/ (status page, /metrics, /health){}", format(server.address()),
                server.credentials == null ? "" : " with Basic authentication");
        if (server.credentials == null && !server.address().getAddress().isLoopbackAddress()) {
            LOG.warn("The admin endpoint on {} is reachable beyond this machine and has no userFile ({}): anyone who "
                    + "reaches it can recycle applications and take them offline; add userFile=\"admin.htpasswd\" "
                    + "(htpasswd -B -c admin.htpasswd alice) or bind it to 127.0.0.1", format(server.address()),
                    config.origin());
        }
        return server;
    }

    InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/health")) {
                if (!isRead(method)) {
                    send(exchange, 405, "text/plain", "GET or HEAD only\n");
                } else if (report.isStopping()) {
                    send(exchange, 503, "text/plain", "stopping\n");
                } else {
                    send(exchange, 200, "text/plain", "serving\n");
                }
                return;
            }
            if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate",
                        "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
                send(exchange, 401, "text/plain", "Basic credentials of the admin user file are needed\n");
                return;
            }
            if (path.startsWith("/api/applications/")) {
                action(exchange, path.substring("/api/applications/".length()));
                return;
            }
            if (!isRead(method)) {
                send(exchange, 405, "text/plain", "GET or HEAD only\n");
                return;
            }
            switch (path) {
                case "/" -> {
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; "
                            + "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'");
                    send(exchange, 200, "text/html; charset=utf-8", page);
                }
                case "/api/status" -> {
                    exchange.getResponseHeaders().set("Cache-Control", "no-store");
                    send(exchange, 200, "application/json", Json.write(report.snapshot()));
                }
                case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        registry.scrape());
                default -> send(exchange, 404, "text/plain", "Not found. Try /, /metrics or /health.\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("Admin endpoint: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    /** {@code <id>/recycle}, {@code <id>/offline}, {@code <id>/online}. */
    private void action(HttpExchange exchange, String rest) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            send(exchange, 405, "text/plain", "POST only\n");
            return;
        }
        if (!"1".equals(exchange.getRequestHeaders().getFirst("X-Porter-Admin"))) {
            send(exchange, 403, "text/plain", "An action needs the header X-Porter-Admin: 1\n");
            return;
        }
        int slash = rest.indexOf('/');
        List<ManagedApplication> apps = hosting.applications();
        int id;
        try {
            id = slash < 0 ? -1 : Integer.parseInt(rest.substring(0, slash));
        } catch (NumberFormatException e) {
            id = -1;
        }
        if (id < 0 || id >= apps.size()) {
            send(exchange, 404, "text/plain", "No application " + rest + "; ids are 0-" + (apps.size() - 1) + "\n");
            return;
        }
        ManagedApplication app = apps.get(id);
        ApplicationStatus status = app.status();
        String verb = rest.substring(slash + 1);
        String result = switch (verb) {
            case "recycle" -> app.recycle() ? "recycled" : "nothing to recycle (" + status.state() + ")";
            case "offline" -> {
                AppOffline.takeOffline(status.physicalPath(), OFFLINE_PAGE);
                yield "app_offline.htm written";
            }
            case "online" -> AppOffline.bringOnline(status.physicalPath()) ? "app_offline.htm removed"
                    : "it had no app_offline.htm";
            default -> null;
        };
        if (result == null) {
            send(exchange, 404, "text/plain", "Unknown action '" + verb + "'; allowed: recycle, offline, online\n");
            return;
        }
        LOG.info("Admin endpoint: application '{}': {}", status.name(), result);
        send(exchange, 200, "application/json", Json.write(Map.of("application", status.name(), "result", result)));
    }

    private boolean authorized(HttpExchange exchange) {
        if (credentials == null) {
            return true;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null) {
            return false;
        }
        String key = digest(authorization);
        Long at = verified.get(key);
        long now = System.nanoTime();
        if (at != null && now - at < REMEMBER_NANOS) {
            return true;
        }
        if (credentials.user(authorization) == null) {
            verified.remove(key);
            return false;
        }
        if (verified.size() > 1000) {
            verified.clear();
        }
        verified.put(key, now);
        return true;
    }

    private static String digest(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isRead(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
