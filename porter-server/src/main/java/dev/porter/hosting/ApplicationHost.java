package dev.porter.hosting;

import dev.porter.config.ConfigException;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.config.WebConfig;
import dev.porter.config.WebConfigParser;
import dev.porter.hosting.ancm.AncmEvent;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.server.Exchange;
import dev.porter.server.RequestHandler;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One application of a site, across its incarnations (the shim role of ANCM, spec §6 and §8): reads web.config when
 * the application is registered and on each (debounced) change and publishes it as an immutable
 * {@link ApplicationSettings} (whose request limits apply from the first request); creates the
 * {@link ApplicationHandler} on the first request from those settings (or when the server starts, and right after
 * each recycle, with IIS's {@code preloadEnabled}); takes the app offline while {@code app_offline.htm} exists, and
 * recycles it when web.config changes (a {@code hostingModel} switch included) unless the running incarnation's
 * {@code disallowRotationOnConfigChange} says not to. One app's broken configuration answers only that app's requests
 * (500.19). Thread-safe: requests arrive on any event loop and never wait on a lock (an incarnation is created on a
 * virtual thread); changes arrive on the watcher thread and are applied on virtual threads.
 */
final class ApplicationHost implements RequestHandler, ManagedApplication {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");
    static final long CONFIG_DEBOUNCE_MILLIS = 100;
    /** How long the app's files must be quiet (shadow copy) before a changed file recycles the app. */
    static final long FILE_DEBOUNCE_MILLIS = 500;

    private final HostingModule module;
    private final ServerConfig.Site site;
    private final ServerConfig.Application application;
    private final String name;
    private final Object lock = new Object(); // never taken on an event loop
    private final AtomicReference<CompletableFuture<ApplicationHandler>> creating = new AtomicReference<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Runnable releaseOne = outstanding::decrementAndGet;
    private final LongAdder queueFullAnswers = new LongAdder();
    private volatile ApplicationHandler current;
    private volatile ApplicationSettings settings;
    private ScheduledFuture<?> pendingRecycle;
    private volatile boolean stopped;
    /** The overlapped recycle in progress: started beside {@code current}, not serving yet. Guarded by the lock. */
    private ApplicationHandler incoming;
    /** Bumped by every change that makes an overlapped recycle in progress moot. Guarded by the lock. */
    private long rotations;
    private volatile RecycleFailure lastRecycleFailure;
    /** Whether the pending recycle's burst of changes touched the app's files (shadow copy). Guarded by the lock. */
    private boolean pendingFileChange;
    /** Whether the first shadow copy was made (leftovers are removed only before it). Guarded by the lock. */
    private boolean shadowCopyCleaned;
    /**
     * Stops of retired incarnations still under way (a recycle's old process draining, say): a server stop waits for
     * them too, or the server's exit would cut their graceful stop short (a child dies with its parent).
     */
    private final Map<ApplicationHandler, CompletableFuture<Void>> retiring = new ConcurrentHashMap<>();
    /** Each incarnation's shadow copy, removed once it has stopped. */
    private final Map<ApplicationHandler, Path> shadowCopies = new ConcurrentHashMap<>();
    /** The app's subdirectories watched for changed files (shadow copy). */
    private final Set<Path> watchedDirectories = ConcurrentHashMap.newKeySet();
    private volatile long failedRecycles;
    // For the admin endpoint: what retired incarnations counted.
    private long retiredStarts;
    private long retiredStartFailures;
    private String retiredFailure;
    private java.time.Instant retiredFailureAt;

    ApplicationHost(HostingModule module, ServerConfig.Site site, ServerConfig.Application application) {
        this.module = module;
        this.site = site;
        this.application = application;
        this.name = ApplicationContext.configPath(site, application);
        this.settings = readSettings();
    }

    /** The application's web.config as last read. */
    ApplicationSettings settings() {
        return settings;
    }

    @Override
    public void handle(Exchange exchange) {
        // Beyond ANCM: a bounded number of requests held at once (IIS's queueLength); the rest are turned away at once
        // with 503 and Retry-After instead of piling up behind a slow start or an overloaded app.
        if (outstanding.incrementAndGet() > application.queueLength()) {
            outstanding.decrementAndGet();
            queueFull(exchange);
            return;
        }
        exchange.onEnd(releaseOne);
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

    /** Seconds a client is told to wait ({@code Retry-After}) when the application's queue is full. */
    static final int QUEUE_FULL_RETRY_AFTER_SECONDS = 1;

    private void queueFull(Exchange exchange) {
        queueFullAnswers.increment();
        exchange.setSubStatus(2); // IIS's 503.2: concurrent request limit exceeded
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(QUEUE_FULL_BODY));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html")
                .set(HttpHeaderNames.RETRY_AFTER, QUEUE_FULL_RETRY_AFTER_SECONDS);
        exchange.respond(response);
    }

    private static final byte[] QUEUE_FULL_BODY = ("<!DOCTYPE html><html><head><title>Service Unavailable</title>"
            + "</head>"
            + "<body><h1>HTTP Error 503.2 - Service Unavailable</h1><p>The application has as many requests as its "
            + "queueLength allows. Try again shortly.</p></body></html>").getBytes(StandardCharsets.US_ASCII);

    /** Requests the application holds now (waiting for its start or being served). */
    int outstandingRequests() {
        return outstanding.get();
    }

    /** Requests answered 503 because the application's queue was full. */
    long queueFullAnswers() {
        return queueFullAnswers.sum();
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
    public Optional<RequestLimits> requestLimits() {
        return settings.requestLimits();
    }

    String name() {
        return name;
    }

    /**
     * Whether this host serves {@code application} of {@code site} as configured now (a live porter.xml change keeps
     * it running): the same application element and the same site name, id and bindings. A binding's
     * {@code proxyProtocol} is the front server's business (how a connection opens), not the application's: turning it
     * on or off keeps the application running.
     */
    boolean servesSame(ServerConfig.Site otherSite, ServerConfig.Application otherApplication) {
        return !stopped && application.equals(otherApplication) && site.name().equals(otherSite.name())
                && site.id() == otherSite.id() && asApplicationSees(site.bindings())
                        .equals(asApplicationSees(otherSite.bindings()))
                && asApplicationSees(site.httpsBindings()).equals(asApplicationSees(otherSite.httpsBindings()));
    }

    private static List<ServerConfig.Binding> asApplicationSees(List<ServerConfig.Binding> bindings) {
        return bindings.stream().map(b -> b.proxyProtocol() ? new ServerConfig.Binding(b.protocol(), b.address(),
                b.port(), b.hostName(), b.certificate(), false) : b).toList();
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

    /** A new incarnation from the published settings. Called with the lock held. */
    private ApplicationHandler create() {
        byte[] offline = readAppOffline();
        if (offline != null) {
            return new AppOfflineHandler(offline);
        }
        if (pendingRecycle != null) {
            settings = readSettings(); // a change is still being debounced: what is on disk now is newer
        }
        ApplicationSettings now = settings;
        if (now.error() != null) {
            return new ConfigErrorHandler(now.error());
        }
        WebConfig webConfig = now.webConfig();
        Path launchDirectory = application.physicalPath();
        if (ShadowCopy.enabled(webConfig.aspNetCore())) {
            // File work under the lock: the copy of an app's jars takes a moment, and nothing on an event loop waits
            // for this lock.
            if (!shadowCopyCleaned && ShadowCopy.cleanRequested(webConfig.aspNetCore())) {
                int removed = ShadowCopy.removeLeftovers(webConfig.aspNetCore(), application.physicalPath(),
                        nodeDirectory());
                LOG.info("Application '{}': cleanShadowCopyDirectory removed {} shadow copies left by an earlier run",
                        name, removed);
            }
            shadowCopyCleaned = true;
            launchDirectory = ShadowCopy.create(webConfig.aspNetCore(), application.physicalPath(), nodeDirectory());
            watchAppFiles(webConfig);
        }
        ApplicationContext context = new ApplicationContext(module.serverConfig(), site, application, webConfig,
                module.environment(), launchDirectory);
        ApplicationHandler handler;
        try {
            handler = module.factory(webConfig.aspNetCore().hostingModel()).create(context);
        } catch (RuntimeException | Error e) {
            if (!launchDirectory.equals(application.physicalPath())) {
                ShadowCopy.delete(launchDirectory);
            }
            throw e;
        }
        if (!launchDirectory.equals(application.physicalPath())) {
            LOG.info("Application '{}' runs from the shadow copy {}", name, launchDirectory);
            shadowCopies.put(handler, launchDirectory);
        }
        return handler;
    }

    /** Reads web.config (off any event loop); a file that cannot be used is reported (event 1034) once per read. */
    private ApplicationSettings readSettings() {
        try {
            return ApplicationSettings.of(readSettled(application.physicalPath().resolve("web.config")));
        } catch (ConfigException e) {
            AncmEvent.CONFIGURATION_LOAD_ERROR.log(name, e.getMessage());
            return ApplicationSettings.failed(e);
        }
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
            scheduleRecycle(false);
        } else {
            WebConfig webConfig = settings.webConfig();
            if (webConfig != null && ShadowCopy.enabled(webConfig.aspNetCore())
                    && ShadowCopy.isAppFile(webConfig.aspNetCore(), application.physicalPath(), nodeDirectory(),
                            fileName)) {
                scheduleRecycle(true);
            }
        }
    }

    /** This node's own directory (shadow copies go there when web.config names no directory), or null. */
    private Path nodeDirectory() {
        return module.environment().nodeDirectory().orElse(null);
    }

    /**
     * With shadow copy, a change anywhere among the app's files recycles it: the subdirectories of the app directory
     * (but the logs and the shadow copies) are watched too, each once. Called with the lock held.
     */
    private void watchAppFiles(WebConfig webConfig) {
        Path app = application.physicalPath().toAbsolutePath().normalize();
        Path node = nodeDirectory();
        try (Stream<Path> tree = Files.walk(app)) {
            tree.filter(Files::isDirectory).filter(d -> !d.equals(app))
                    .filter(d -> !ShadowCopy.skipped(webConfig.aspNetCore(), app, node, d))
                    .filter(d -> !ShadowCopy.skipped(webConfig.aspNetCore(), app, node,
                            app.resolve(app.relativize(d).getName(0))))
                    .filter(watchedDirectories::add)
                    .forEach(d -> {
                        try {
                            module.watch(d, file -> scheduleRecycle(true));
                        } catch (IOException e) {
                            LOG.warn("Application '{}': cannot watch {} for changed files: {}", name, d, e.toString());
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Application '{}': cannot list {} for changed files: {}", name, app, e.toString());
        }
    }

    private void appOfflineMayHaveChanged() {
        ApplicationHandler old;
        ApplicationHandler superseded = null;
        byte[] offline;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            offline = readAppOffline();
            old = current;
            if (offline != null) {
                superseded = abandonIncoming();
                if (old instanceof AppOfflineHandler) {
                    current = new AppOfflineHandler(offline); // rewritten while offline: serve the new bytes
                    return;
                }
                retire(old);
                current = new AppOfflineHandler(offline);
                AncmEvent.RECYCLED_APP_OFFLINE.log(name);
            } else {
                if (!(old instanceof AppOfflineHandler)) {
                    return;
                }
                current = null; // the next request starts the application again
            }
        }
        if (superseded != null) {
            stopQuietly(superseded, ApplicationHandler.StopReason.APP_OFFLINE);
        }
        if (offline == null) {
            preloadIfEnabled();
            return;
        }
        if (old != null) {
            stopQuietly(old, ApplicationHandler.StopReason.APP_OFFLINE);
        }
    }

    private void scheduleRecycle(boolean filesChanged) {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (pendingRecycle != null) {
                pendingRecycle.cancel(false);
            }
            pendingFileChange |= filesChanged;
            // A deploy copies files one after the other (a jar in several writes): one recycle once it is quiet.
            long debounce = pendingFileChange ? FILE_DEBOUNCE_MILLIS : CONFIG_DEBOUNCE_MILLIS;
            // Editors write a file in several steps; one recycle per burst of changes.
            ScheduledExecutorService scheduler = module.scheduler();
            // The change is applied on a virtual thread: reading a file in the middle of a save may wait a little.
            pendingRecycle = scheduler.schedule(() -> Thread.ofVirtual().name("porter-config-" + name)
                    .start(this::recycleForConfigChange), debounce, TimeUnit.MILLISECONDS);
        }
    }

    private void recycleForConfigChange() {
        ApplicationSettings next = readSettings();
        ApplicationHandler old;
        ApplicationHandler superseded;
        long generation;
        String cause;
        synchronized (lock) {
            boolean filesChanged = pendingFileChange;
            if (pendingRecycle != null && pendingRecycle.isDone()) {
                pendingRecycle = null; // ours; a change that came in meanwhile keeps its own pending recycle
                pendingFileChange = false;
            }
            cause = filesChanged ? "a change to its files (shadow copy)" : "configuration change";
            ApplicationSettings previous = settings;
            settings = next; // request limits follow web.config whatever happens to the running incarnation
            if (stopped || current instanceof AppOfflineHandler) {
                return;
            }
            old = current;
            if (!filesChanged && old != null && !(old instanceof ConfigErrorHandler)
                    && previous.disallowRotationOnConfigChange()) {
                LOG.info("Application '{}': web.config changed; not recycled (disallowRotationOnConfigChange)", name);
                return;
            }
            superseded = abandonIncoming();
            generation = rotations;
            if (application.disallowOverlappingRotation() || old == null || !old.isServing()) {
                retire(old);
                current = null; // stop, then start: ANCM's recycle
                generation = -1;
            }
        }
        if (superseded != null) {
            stopQuietly(superseded, ApplicationHandler.StopReason.CONFIG_CHANGE);
        }
        if (generation >= 0) {
            rotate(old, generation, cause);
            return;
        }
        if (old != null) {
            AncmEvent.RECYCLED_CONFIGURATION.log(name, cause);
            stopQuietly(old, ApplicationHandler.StopReason.CONFIG_CHANGE);
        }
        preloadIfEnabled();
    }

    /**
     * Ends an overlapped recycle in progress, if any: its incarnation will never serve (a newer change, app_offline,
     * the server's stop came first). Called with the lock held; the caller stops what it returns, outside the lock.
     */
    private ApplicationHandler abandonIncoming() {
        rotations++;
        ApplicationHandler abandoned = incoming;
        incoming = null;
        return abandoned;
    }

    /**
     * An overlapped recycle (IIS's default, {@code disallowOverlappingRotation="false"}): the new incarnation starts
     * while {@code old} keeps serving; once it serves, new requests go to it and {@code old} stops (its requests in
     * flight finish within its shutdownTimeLimit). If it fails to start, {@code old} keeps serving and the failure is
     * logged and kept ({@link #lastRecycleFailure()}). On the recycle's virtual thread; blocks until the start ends.
     */
    private void rotate(ApplicationHandler old, long generation, String cause) {
        ApplicationHandler next;
        ApplicationHandler unused = null;
        synchronized (lock) {
            if (generation != rotations || stopped || current != old) {
                return;
            }
            try {
                next = create();
            } catch (RuntimeException e) {
                lastRecycleFailure = new RecycleFailure(Instant.now(), e.toString());
                failedRecycles++;
                LOG.error("Application '{}': the new incarnation could not be created after {}; the running one keeps "
                        + "serving", name, cause, e);
                return;
            }
            if (!next.canStartBeside()) {
                retire(old);
                current = null;
                unused = next; // never started; stopping it drops its shadow copy
                next = null;
            } else {
                incoming = next;
            }
        }
        if (next == null) {
            AncmEvent.RECYCLED_CONFIGURATION.log(name, cause + " (stopped first: a fixed ASPNETCORE_PORT cannot be "
                    + "listened on by two processes)");
            stopQuietly(unused, ApplicationHandler.StopReason.CONFIG_CHANGE);
            stopQuietly(old, ApplicationHandler.StopReason.CONFIG_CHANGE);
            preloadIfEnabled();
            return;
        }
        LOG.info("Application '{}': {}; starting the new incarnation beside the running one (overlapped recycle)",
                name, cause);
        Throwable failure = null;
        try {
            next.start().join();
        } catch (CompletionException | CancellationException e) {
            failure = e.getCause() != null ? e.getCause() : e;
        } catch (RuntimeException e) {
            failure = e;
        }
        boolean switched = false;
        boolean kept = false;
        synchronized (lock) {
            if (incoming == next && generation == rotations && !stopped && current == old) {
                incoming = null;
                if (failure == null) {
                    retire(old);
                    current = next;
                    switched = true;
                } else {
                    lastRecycleFailure = new RecycleFailure(Instant.now(), String.valueOf(failure.getMessage()));
                    failedRecycles++;
                    kept = true;
                }
            } else if (incoming == next) {
                incoming = null;
            }
        }
        if (switched) {
            AncmEvent.RECYCLED_CONFIGURATION.log(name, cause + " (overlapped: the new incarnation serves, the old "
                    + "one drains within its shutdownTimeLimit)");
            stopQuietly(old, ApplicationHandler.StopReason.REPLACED);
            return;
        }
        if (kept) {
            LOG.error("Application '{}': the new incarnation failed to start after {}; the running "
                    + "one keeps serving. {}", name, cause, failure.getMessage());
        }
        stopQuietly(next, ApplicationHandler.StopReason.CONFIG_CHANGE);
    }

    /** The last overlapped recycle whose new incarnation failed to start (the old one kept serving), or null. */
    RecycleFailure lastRecycleFailure() {
        return lastRecycleFailure;
    }

    /** How many overlapped recycles kept the old incarnation because the new one failed to start. */
    long failedRecycles() {
        return failedRecycles;
    }

    /**
     * IIS application preload ({@code preloadEnabled="true"}): creates the incarnation and has it start its
     * application now rather than on the first request. Called when the server has started and right after a recycle
     * or the end of app_offline. Never blocks.
     */
    void preloadIfEnabled() {
        if (!application.preloadEnabled() || stopped) {
            return;
        }
        creation().whenComplete((handler, failure) -> {
            if (failure != null) {
                LOG.error("Application '{}': preloading failed", name, failure);
            } else {
                try {
                    handler.preload();
                } catch (RuntimeException e) {
                    LOG.error("Application '{}': preloading failed", name, e);
                }
            }
        });
    }

    /** Called with the lock held when {@code old} stops being current: keeps what it counted. */
    private void retire(ApplicationHandler old) {
        Incarnation last = old == null ? null : old.describe();
        if (last == null) {
            return;
        }
        retiredStarts += last.processStarts();
        retiredStartFailures += last.startFailures();
        if (last.lastFailure() != null) {
            retiredFailure = last.lastFailure();
            retiredFailureAt = last.lastFailureAt();
        }
    }

    @Override
    public ApplicationStatus status() {
        synchronized (lock) {
            ApplicationHandler handler = current;
            Incarnation now = handler == null ? null : handler.describe();
            String state;
            if (handler == null) {
                state = creating.get() != null ? Incarnation.STARTING : ApplicationStatus.NOT_STARTED;
            } else if (handler instanceof AppOfflineHandler) {
                state = ApplicationStatus.OFFLINE;
            } else if (handler instanceof ConfigErrorHandler) {
                state = ApplicationStatus.CONFIGURATION_ERROR;
            } else if (handler instanceof ShutDownHandler) {
                state = ApplicationStatus.STOPPED;
            } else {
                state = now == null ? Incarnation.RUNNING : now.state();
            }
            long starts = retiredStarts + (now == null ? 0 : now.processStarts());
            String failure = retiredFailure;
            java.time.Instant failureAt = retiredFailureAt;
            ApplicationSettings read = settings;
            String hostingModel = read.webConfig() == null ? ""
                    : read.webConfig().aspNetCore().hostingModel().configValue();
            if (handler instanceof ConfigErrorHandler && read.error() != null) {
                failure = "Event 1034: Could not load configuration. " + read.error().getMessage();
                failureAt = null;
            } else if (now != null && now.lastFailure() != null) {
                failure = now.lastFailure();
                failureAt = now.lastFailureAt();
            }
            return new ApplicationStatus(site.name(), site.id(), application.path(), name,
                    application.physicalPath(), hostingModel, state,
                    now == null ? java.util.List.of() : now.processIds(), now == null ? null : now.runningSince(),
                    starts, Math.max(0, starts - 1), retiredStartFailures + (now == null ? 0 : now.startFailures()),
                    failure, failureAt);
        }
    }

    @Override
    public boolean recycle() {
        ApplicationHandler old;
        ApplicationHandler superseded;
        synchronized (lock) {
            if (stopped || current == null || current instanceof AppOfflineHandler) {
                return false;
            }
            if (pendingRecycle != null) {
                pendingRecycle.cancel(false);
                pendingRecycle = null;
                pendingFileChange = false;
            }
            superseded = abandonIncoming();
            old = current;
            retire(old);
            current = null;
        }
        LOG.info("Application '{}' was recycled from the admin endpoint", name);
        if (superseded != null) {
            stopQuietly(superseded, ApplicationHandler.StopReason.CONFIG_CHANGE);
        }
        stopQuietly(old, ApplicationHandler.StopReason.CONFIG_CHANGE);
        preloadIfEnabled();
        return true;
    }

    /** Server shutdown: stops the current incarnation; later requests get 503. */
    CompletableFuture<Void> stop() {
        ApplicationHandler old;
        ApplicationHandler starting;
        synchronized (lock) {
            stopped = true;
            if (pendingRecycle != null) {
                pendingRecycle.cancel(false);
            }
            old = current;
            starting = abandonIncoming();
            retire(old);
            current = new ShutDownHandler();
        }
        List<CompletableFuture<Void>> stops = new ArrayList<>(retiring.values());
        stops.add(stopLogged(old));
        stops.add(stopLogged(starting));
        return CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> stopLogged(ApplicationHandler handler) {
        return handler == null ? CompletableFuture.completedFuture(null)
                : handler.stop(ApplicationHandler.StopReason.SERVER_SHUTDOWN).exceptionally(e -> {
                    LOG.warn("Application '{}' did not stop cleanly", name, e);
                    return null;
                }).whenComplete((ok, e) -> dropShadowCopy(handler));
    }

    /** A stopped incarnation's shadow copy is removed (on the thread that saw the stop end). */
    private void dropShadowCopy(ApplicationHandler handler) {
        Path copy = shadowCopies.remove(handler);
        if (copy != null) {
            ShadowCopy.delete(copy);
        }
    }

    private void stopQuietly(ApplicationHandler handler, ApplicationHandler.StopReason reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        retiring.put(handler, done);
        handler.stop(reason).whenComplete((ok, e) -> {
            dropShadowCopy(handler);
            if (e != null) {
                LOG.warn("Application '{}' did not stop cleanly", name, e);
            }
            retiring.remove(handler, done);
            done.complete(null);
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
