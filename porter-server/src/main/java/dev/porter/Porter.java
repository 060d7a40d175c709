package dev.porter;

import dev.porter.admin.Administration;
import dev.porter.config.AdministrationConfig;
import dev.porter.config.HostingModel;
import dev.porter.config.NodeConfig;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.config.TrustedProxies;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.AccessLog;
import dev.porter.server.log.ObservedAccessLog;
import dev.porter.server.log.RequestObserver;
import dev.porter.server.PorterServer;
import dev.porter.server.RequestHandler;
import dev.porter.server.log.W3cAccessLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Porter: the front server wired to the hosting module. The composition root that the CLI and the
 * end-to-end tests start.
 */
public final class Porter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Porter.class);

    /** How long a graceful stop lets in-flight requests finish before closing their connections. */
    static final Duration DRAIN_TIME = Duration.ofSeconds(10);
    /** How long a stop waits for all applications (each bounded by its own shutdownTimeLimit). */
    static final Duration APPLICATIONS_STOP_TIME = Duration.ofSeconds(30);

    private final PorterServer server;
    private final HostingModule hosting;
    private final AccessLog accessLog;
    private final Administration admin;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile ServerConfigWatcher configWatcher;
    private final Duration healthDrainTime;
    /** The node's settings: a reloaded porter.xml gets the same node-local paths as the started one. */
    private final NodeConfig node;
    /** Set the moment a graceful stop begins: the admin endpoint's /health answers 503 from then on. */
    private volatile boolean stopBegan;
    /** The proxies believed now: the node's at start, then as a live porter.xml change says. */
    private volatile TrustedProxies trustedProxies;

    private Porter(PorterServer server, HostingModule hosting, AccessLog accessLog, Administration admin,
            NodeConfig node) {
        this.healthDrainTime = node.drainTime();
        this.node = node;
        this.trustedProxies = node.trustedProxies() == null ? TrustedProxies.NONE : node.trustedProxies();
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

    /**
     * Starts a node of a farm: {@code node} says how long a stop keeps serving with {@code /health} at 503
     * ({@link #drainThenStop}), where node-local state goes and how application directories are watched.
     */
    public static Porter start(ServerConfig config, AdministrationConfig administration, NodeConfig node)
            throws IOException {
        return start(NodeDirectory.prepare(config, node), ServerEnvironment.ofSystem().withNode(node),
                HostingModels.defaults(), administration);
    }

    public static Porter start(ServerConfig config, ServerEnvironment environment,
            Map<HostingModel, HostingModelFactory> factories, AdministrationConfig administration)
            throws IOException {
        HostingModule hosting = new HostingModule(config, environment, factories);
        Administration admin = administration == null ? null : Administration.create(administration, hosting);
        AccessLog accessLog = ObservedAccessLog.of(W3cAccessLog.forSites(config.sites(), environment.wallClock()),
                admin == null ? RequestObserver.NONE : admin.requestObserver());
        PorterServer server = new PorterServer(config, admin == null ? hosting::handlerFor
                : (site, application) -> {
                    RequestHandler handler = hosting.handlerFor(site, application);
                    return admin.wrap(site, application, handler);
                }, accessLog);
        server.trustProxies(environment.node().trustedProxies());
        Porter porter = new Porter(server, hosting, accessLog, admin, environment.node());
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

    /**
     * Applies a changed porter.xml live (see {@link PorterServer#reconfigure}): sites, bindings and applications that
     * are added, removed or changed take effect, everything unchanged keeps running with its connections. If a new
     * listener cannot be bound nothing changes and the exception says why. One change at a time.
     */
    public synchronized void reconfigure(ServerConfig changed) throws IOException {
        ServerConfig next = NodeDirectory.prepare(changed, node);
        HostingModule.Reconfiguration change = hosting.reconfigure(next);
        try {
            server.reconfigure(next, admin == null ? change::handlerFor
                    : (site, application) -> admin.wrap(site, application, change.handlerFor(site, application)));
        } catch (IOException | RuntimeException e) {
            change.abandon();
            throw e;
        }
        change.commit();
    }

    /**
     * Applies a changed {@code <forwarding trustedProxies>} live: every request decoded from now on, on new and on
     * open connections, is judged by {@code proxies} (see {@link PorterServer#trustProxies}). One change at a time.
     */
    public synchronized void trustProxies(TrustedProxies proxies) {
        trustedProxies = proxies;
        server.trustProxies(proxies);
    }

    /** The proxies whose forwarding fields are believed now ({@code <forwarding trustedProxies>}). */
    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    /**
     * From now on, changes to {@code file} (the porter.xml this server was started from) apply live; one that does
     * not parse is refused with the error the start would give, and the running configuration stays. Stopped with
     * the server.
     */
    public void reloadOnChange(Path file, ServerConfigParser parser) throws IOException {
        ServerConfigWatcher watcher = ServerConfigWatcher.start(this, file, parser);
        configWatcher = watcher;
    }

    /** The hosting module: the applications and their state (status, tests). */
    public HostingModule hosting() {
        return hosting;
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

    /** Where the admin endpoint listens; empty when it is off. */
    public Optional<InetSocketAddress> adminAddress() {
        return admin == null ? Optional.empty() : Optional.of(admin.address());
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
     * The stop a farm node makes on SIGTERM: {@code /health} answers 503 at once while everything else keeps serving
     * for the node's drain time ({@code <node drainTime>}, {@code --drain-time}), so that a load balancer checking
     * {@code /health} takes the node out of rotation before it stops accepting; then {@link #stop()}. Called from one
     * thread (the CLI's main thread); blocks for the drain time.
     */
    public void drainThenStop() {
        stopBegan = true;
        if (!healthDrainTime.isZero() && !stopped.get()) {
            LOG.info("Draining: /health answers 503; serving for {} ms more so that load balancers stop sending "
                    + "requests here", healthDrainTime.toMillis());
            try {
                Thread.sleep(healthDrainTime);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("Stopping: no new connections; letting requests in flight finish");
        stop();
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish (bounded), stop every application, release
     * everything. Idempotent.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        ServerConfigWatcher watcher = configWatcher;
        if (watcher != null) {
            watcher.close();
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
