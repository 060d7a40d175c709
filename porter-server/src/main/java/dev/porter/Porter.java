package dev.porter;

import dev.porter.config.HostingModel;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.AccessLog;
import dev.porter.server.PorterServer;
import dev.porter.server.W3cAccessLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile ServerConfigWatcher configWatcher;

    private Porter(PorterServer server, HostingModule hosting, AccessLog accessLog) {
        this.server = server;
        this.hosting = hosting;
        this.accessLog = accessLog;
    }

    public static Porter start(ServerConfig config) throws IOException {
        return start(config, ServerEnvironment.ofSystem(), HostingModels.defaults());
    }

    public static Porter start(ServerConfig config, ServerEnvironment environment,
            Map<HostingModel, HostingModelFactory> factories) throws IOException {
        HostingModule hosting = new HostingModule(config, environment, factories);
        AccessLog accessLog = W3cAccessLog.forSites(config.sites());
        PorterServer server = new PorterServer(config, hosting::handlerFor, accessLog);
        hosting.attach(server.workerGroup());
        Porter porter = new Porter(server, hosting, accessLog);
        try {
            server.start();
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
    public synchronized void reconfigure(ServerConfig next) throws IOException {
        HostingModule.Reconfiguration change = hosting.reconfigure(next);
        try {
            server.reconfigure(next, change::handlerFor);
        } catch (IOException | RuntimeException e) {
            change.abandon();
            throw e;
        }
        change.commit();
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
        ServerConfigWatcher watcher = configWatcher;
        if (watcher != null) {
            watcher.close();
        }
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
        }
    }

    @Override
    public void close() {
        stop();
    }
}
