package dev.porter.integration.internal;

import com.sun.net.httpserver.HttpServer;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the app's graceful stop when the module sends its shutdown message (spec/ancm-contract.md §1.8, §2.2 step 2),
 * the twin of {@code IHostApplicationLifetime.StopApplication()}. The app may register a hook, which replaces the
 * default; the default stops every server the integration created (giving exchanges in flight up to
 * {@value #STOP_DELAY_SECONDS} s) and then exits the JVM with status 0, which also runs the JVM's shutdown hooks
 * (Spring Boot, Jetty and Tomcat close gracefully there).
 *
 * <p>The stop runs once, on a new non-daemon thread named {@code porter-shutdown}, so the caller can finish its 202
 * first and a repeated message is harmless. Thread-safe.
 *
 * <p>Not API: the public way in is {@code PorterIntegration.onShutdown}.
 */
public final class ShutdownCoordinator {
    static final int STOP_DELAY_SECONDS = 1;
    private static final System.Logger LOG = System.getLogger("dev.porter.integration");
    private static final ShutdownCoordinator GLOBAL = new ShutdownCoordinator(() -> System.exit(0));

    private final Runnable exit;
    private final Set<HttpServer> servers = new CopyOnWriteArraySet<>();
    private final AtomicBoolean triggered = new AtomicBoolean();
    private volatile Runnable hook;

    /** @param exit what ends the process after the default stop; the global instance calls {@code System.exit(0)}. */
    public ShutdownCoordinator(Runnable exit) {
        this.exit = exit;
    }

    /** The one the public API and the servlet filter use. */
    public static ShutdownCoordinator global() {
        return GLOBAL;
    }

    /** Replaces the default stop; {@code null} restores it. */
    public void onShutdown(Runnable newHook) {
        hook = newHook;
    }

    /** A server the default stop must stop. */
    public void register(HttpServer server) {
        servers.add(server);
    }

    /** The server stopped by other means: forget it. */
    public void unregister(HttpServer server) {
        servers.remove(server);
    }

    /** Whether {@link #trigger()} has been called. */
    public boolean triggered() {
        return triggered.get();
    }

    /** Starts the stop on its own thread, the first time only. Returns at once. */
    public void trigger() {
        if (!triggered.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(this::runStop, "porter-shutdown");
        thread.setDaemon(false);
        thread.start();
    }

    private void runStop() {
        LOG.log(Level.INFO, "Shutdown requested by the hosting module; stopping the application.");
        Runnable appHook = hook;
        try {
            if (appHook != null) {
                appHook.run();
                return;
            }
            for (HttpServer server : servers) {
                server.stop(STOP_DELAY_SECONDS);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Stopping the application failed", e);
        }
        if (appHook == null) {
            exit.run();
        }
    }
}
