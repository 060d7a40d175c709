package dev.porter;

import dev.porter.admin.Administration;
import dev.porter.config.AdministrationConfig;
import dev.porter.config.HostingModel;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.AccessLog;
import dev.porter.server.ObservedAccessLog;
import dev.porter.server.PorterServer;
import dev.porter.server.RequestHandler;
import dev.porter.server.W3cAccessLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running Porter: the front server wired to the hosting module. The composition root that the CLI and the
 * end-to-end tests start.
 */
public final class Porter implements AutoCloseable {

    /** How long a graceful stop lets in-flight requests finish before closing their connections. */
    static final Duration DRAIN_TIME = Duration.ofSeconds(10);
    /** How long a stop waits for all applications (each bounded by its own shutdownTimeLimit). */
    static final Duration APPLICATIONS_STOP_TIME = Duration.ofSeconds(30);

    private final PorterServer server;
    private final HostingModule hosting;
    private final AccessLog accessLog;
    private final Administration admin;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Set the moment a graceful stop begins: the admin endpoint's /health answers 503 from then on. */
    private volatile boolean stopBegan;

    private Porter(PorterServer server, HostingModule hosting, AccessLog accessLog, Administration admin) {
        this.server = server;
        this.hosting = hosting;
        this.accessLog = accessLog;
        this.admin = admin;
    }

    public static Porter start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /** Starts with the admin endpoint when {@code administration} is not null. */
    public static Porter start(ServerConfig config, AdministrationConfig administration) throws IOException {
        return start(config, ServerEnvironment.ofSystem(), HostingModels.defaults(), administration);
    }

    public static Porter start(ServerConfig config, ServerEnvironment environment,
            Map<HostingModel, HostingModelFactory> factories) throws IOException {
        return start(config, environment, factories, null);
    }

    public static Porter start(ServerConfig config, ServerEnvironment environment,
            Map<HostingModel, HostingModelFactory> factories, AdministrationConfig administration)
            throws IOException {
        HostingModule hosting = new HostingModule(config, environment, factories);
        Administration admin = administration == null ? null : Administration.create(administration, hosting);
        AccessLog accessLog = ObservedAccessLog.of(W3cAccessLog.forSites(config.sites()),
                admin == null ? null : admin.requestObserver());
        PorterServer server = new PorterServer(config, admin == null ? hosting::handlerFor
                : (site, application) -> {
                    RequestHandler handler = hosting.handlerFor(site, application);
                    return admin.wrap(site, application, handler);
                }, accessLog);
        hosting.attach(server.workerGroup());
        Porter porter = new Porter(server, hosting, accessLog, admin);
        try {
            server.start();
            if (admin != null) {
                admin.start(porter::isStopping, porter::listenUrls);
            }
        } catch (IOException | RuntimeException e) {
            porter.close();
            throw e;
        }
        hosting.preload();
        return porter;
    }

    /** The front server's listeners as URLs ({@code http://127.0.0.1:8080}), for the status page. */
    private List<String> listenUrls() {
        List<InetSocketAddress> secure = server.secureListenAddresses();
        return server.listenAddresses().stream().map(a -> {
            String host = a.getAddress().getHostAddress();
            return (secure.contains(a) ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host)
                    + ":" + a.getPort();
        }).toList();
    }

    /** Whether a graceful stop has begun (the admin endpoint's /health answers 503 from that moment). */
    public boolean isStopping() {
        return stopBegan;
    }

    /** Where the admin endpoint listens, or null when it is off. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    public int port() {
        return server.port();
    }

    public List<InetSocketAddress> listenAddresses() {
        return server.listenAddresses();
    }

    /** The port of the first https listener (tests bind port 0); -1 when nothing is served over TLS. */
    public int securePort() {
        List<InetSocketAddress> secure = server.secureListenAddresses();
        return secure.isEmpty() ? -1 : secure.getFirst().getPort();
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish (bounded), stop every application, release
     * everything. Idempotent.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        stopBegan = true;
        try {
            server.stop(DRAIN_TIME);
            hosting.stopAll(APPLICATIONS_STOP_TIME);
        } finally {
            server.close();
            hosting.close();
            if (accessLog instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // nothing left to tell anyone
                }
            }
            if (admin != null) {
                admin.close(); // last: /health said 503 for the whole drain
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
