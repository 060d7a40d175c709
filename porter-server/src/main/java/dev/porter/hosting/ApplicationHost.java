package dev.porter.hosting;

import dev.porter.config.ConfigException;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.config.WebConfig;
import dev.porter.config.WebConfigParser;
import dev.porter.server.Exchange;
import dev.porter.server.RequestHandler;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One application of a site, across its incarnations (the shim role of ANCM, spec §6 and §8): creates the
 * {@link ApplicationHandler} on the first request from the current web.config, takes the app offline while
 * {@code app_offline.htm} exists, and recycles it when web.config changes (a {@code hostingModel} switch included).
 * One app's broken configuration answers only that app's requests. Thread-safe: requests arrive on any event loop and
 * never wait on a lock (an incarnation is created on a virtual thread); changes arrive on the watcher thread.
 */
final class ApplicationHost implements RequestHandler {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");
    static final long CONFIG_DEBOUNCE_MILLIS = 100;

    private final HostingModule module;
    private final ServerConfig.Site site;
    private final ServerConfig.Application application;
    private final String name;
    private final Object lock = new Object(); // never taken on an event loop
    private final AtomicReference<CompletableFuture<ApplicationHandler>> creating = new AtomicReference<>();
    private volatile ApplicationHandler current;
    private volatile RequestLimits limits;
    private ScheduledFuture<?> pendingRecycle;
    private boolean stopped;

    ApplicationHost(HostingModule module, ServerConfig.Site site, ServerConfig.Application application) {
        this.module = module;
        this.site = site;
        this.application = application;
        this.name = ApplicationContext.configPath(site, application);
    }

    @Override
    public void handle(Exchange exchange) {
        ApplicationHandler handler = current;
        if (handler != null) {
            handler.handle(exchange);
            return;
        }
        // No incarnation yet: reading web.config and app_offline.htm is file work, done off the event loop; requests
        // that arrive meanwhile share the creation (their bodies are held by their exchanges).
        // (a request that waited for the incarnation runs outside the front server's dispatch: the same policy for a
        // handler that throws, Exchange.handleWith)
        exchange.resumeWhen(creation(), (created, failure) -> {
            if (failure != null) {
                LOG.error("Application '{}': creating its handler failed", name, failure);
                exchange.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, new byte[0]);
            } else {
                exchange.handleWith(created::handle);
            }
        });
    }

    /** The pending (or a new) creation of the current incarnation. Lock-free: called on event loops. */
    private CompletableFuture<ApplicationHandler> creation() {
        while (true) {
            CompletableFuture<ApplicationHandler> pending = creating.get();
            if (pending != null) {
                return pending;
            }
            CompletableFuture<ApplicationHandler> mine = new CompletableFuture<>();
            if (creating.compareAndSet(null, mine)) {
                Thread.ofVirtual().name("porter-create-" + name).start(() -> {
                    try {
                        mine.complete(currentOrCreate());
                    } catch (RuntimeException | Error e) {
                        mine.completeExceptionally(e);
                    } finally {
                        creating.compareAndSet(mine, null);
                    }
                });
                return mine;
            }
        }
    }

    @Override
    public RequestLimits requestLimits() {
        return limits;
    }

    String name() {
        return name;
    }

    Path physicalPath() {
        return application.physicalPath();
    }

    /** On a virtual thread (never an event loop): the lock serialises creation with the watcher's changes. */
    private ApplicationHandler currentOrCreate() {
        synchronized (lock) {
            if (current == null) {
                current = stopped ? new ShutDownHandler() : create();
            }
            return current;
        }
    }

    /** A new incarnation from what is on disk now. Called with the lock held. */
    private ApplicationHandler create() {
        byte[] offline = readAppOffline();
        if (offline != null) {
            return new AppOfflineHandler(offline);
        }
        Path webConfigFile = application.physicalPath().resolve("web.config");
        WebConfig webConfig;
        try {
            webConfig = readSettled(webConfigFile);
        } catch (ConfigException e) {
            limits = null;
            LOG.error("Event 1034: Application '{}': Could not load configuration. Exception message:\r\n{}", name,
                    e.getMessage());
            return new ConfigErrorHandler();
        }
        limits = webConfig.requestLimits().orElse(null);
        ApplicationContext context = new ApplicationContext(module.serverConfig(), site, application, webConfig,
                module.eventLoops(), module.environment());
        return module.factory(webConfig.aspNetCore().hostingModel()).create(context);
    }

    /** How long a web.config that fails to parse may still be in the middle of a save. */
    static final long SAVE_SETTLE_MILLIS = 500;
    private static final long SAVE_RETRY_MILLIS = 25;

    /**
     * Reads web.config. Editors and deploy tools often save by truncating and then writing, so a file that fails to
     * parse and was modified moments ago is read again a few times (off the event loop: creation runs on its own
     * thread) before it counts as broken; a file that stays broken is reported as it is.
     */
    private WebConfig readSettled(Path file) throws ConfigException {
        WebConfigParser parser = new WebConfigParser(module.environment().expander());
        long deadline = System.currentTimeMillis() + SAVE_SETTLE_MILLIS;
        while (true) {
            try {
                return parser.parse(file);
            } catch (ConfigException e) {
                if (System.currentTimeMillis() >= deadline || !modifiedWithin(file, SAVE_SETTLE_MILLIS)) {
                    throw e;
                }
                try {
                    Thread.sleep(SAVE_RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static boolean modifiedWithin(Path file, long millis) {
        try {
            return System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() < millis;
        } catch (IOException e) {
            return false; // gone: nothing is being written
        }
    }

    /** The bytes of app_offline.htm (any case), or null when there is none. */
    private byte[] readAppOffline() {
        Path file = findAppOffline();
        if (file == null) {
            return null;
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // Present but unreadable (ANCM: a locked file gives an empty body): still offline.
            LOG.warn("Application '{}': cannot read {}: {}; serving an empty 503 body", name, file, e.toString());
            return new byte[0];
        }
    }

    private Path findAppOffline() {
        Path exact = application.physicalPath().resolve(AppOfflineHandler.FILE_NAME);
        if (Files.isRegularFile(exact)) {
            return exact;
        }
        try (Stream<Path> files = Files.list(application.physicalPath())) {
            return files.filter(p -> p.getFileName().toString().equalsIgnoreCase(AppOfflineHandler.FILE_NAME))
                    .filter(Files::isRegularFile).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** From the directory watcher: a file in the app directory changed (null: anything may have). */
    void directoryChanged(String fileName) {
        if (fileName == null || fileName.equalsIgnoreCase(AppOfflineHandler.FILE_NAME)) {
            appOfflineMayHaveChanged();
        }
        if (fileName == null || fileName.equalsIgnoreCase("web.config")) {
            scheduleRecycle();
        }
    }

    private void appOfflineMayHaveChanged() {
        ApplicationHandler old;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            byte[] offline = readAppOffline();
            old = current;
            if (offline != null) {
                if (old instanceof AppOfflineHandler) {
                    current = new AppOfflineHandler(offline); // rewritten while offline: serve the new bytes
                    return;
                }
                current = new AppOfflineHandler(offline);
                LOG.info("Event 1012: Application '{}' was recycled after detecting app_offline.htm.", name);
            } else {
                if (!(old instanceof AppOfflineHandler)) {
                    return;
                }
                current = null; // the next request starts the application again
                return;
            }
        }
        if (old != null) {
            stopQuietly(old, ApplicationHandler.StopReason.APP_OFFLINE);
        }
    }

    private void scheduleRecycle() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (pendingRecycle != null) {
                pendingRecycle.cancel(false);
            }
            // Editors write a file in several steps; one recycle per burst of changes.
            ScheduledExecutorService scheduler = module.scheduler();
            pendingRecycle = scheduler.schedule(this::recycleForConfigChange, CONFIG_DEBOUNCE_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void recycleForConfigChange() {
        ApplicationHandler old;
        synchronized (lock) {
            pendingRecycle = null;
            if (stopped || current instanceof AppOfflineHandler) {
                return;
            }
            old = current;
            current = null;
        }
        if (old != null) {
            LOG.info("Event 1021: Application '{}' was recycled due to configuration change", name);
            stopQuietly(old, ApplicationHandler.StopReason.CONFIG_CHANGE);
        }
    }

    /** Server shutdown: stops the current incarnation; later requests get 503. */
    CompletableFuture<Void> stop() {
        ApplicationHandler old;
        synchronized (lock) {
            stopped = true;
            if (pendingRecycle != null) {
                pendingRecycle.cancel(false);
            }
            old = current;
            current = new ShutDownHandler();
        }
        return old == null ? CompletableFuture.completedFuture(null)
                : old.stop(ApplicationHandler.StopReason.SERVER_SHUTDOWN).exceptionally(e -> {
                    LOG.warn("Application '{}' did not stop cleanly", name, e);
                    return null;
                });
    }

    private void stopQuietly(ApplicationHandler handler, ApplicationHandler.StopReason reason) {
        handler.stop(reason).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.warn("Application '{}' did not stop cleanly", name, e);
            }
        });
    }

    /** After server shutdown began. */
    private static final class ShutDownHandler implements ApplicationHandler {
        @Override
        public void handle(Exchange exchange) {
            ErrorResponses.shuttingDown(exchange);
        }

        @Override
        public CompletableFuture<Void> stop(StopReason reason) {
            return CompletableFuture.completedFuture(null);
        }
    }
}
