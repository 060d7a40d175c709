package dev.porter.hosting.inprocess;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.RequestLimits;
import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ancm.AncmEnvironment;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.Incarnation;
import dev.porter.server.Exchange;
import dev.porter.hosting.ancm.Html;
import dev.porter.httpcontext.PathBase;
import dev.porter.httpcontext.WirePath;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One incarnation of an in-process application (ANCM's {@code IN_PROCESS_APPLICATION}, spec §3.1, §3.4): the first
 * request starts its {@link AppDomain} and waits — as every request does until then — for the app to start its
 * {@code HttpServer}, up to {@code startupTimeLimit} (else 500.37). A command line that cannot be loaded, or a Spring
 * Boot jar, answers 500.0 with the exact reason; {@code main} returning or throwing before a server started, the app
 * exiting or stopping its server, or opening a server of its own answers 500.30 — until the failed domain is retired,
 * when {@link InProcessHandler} starts a fresh incarnation. {@link #stop} drains, stops and unloads the domain.
 *
 * <p>Threading: {@link #handle} on event loops (never blocks); the domain reports from its own threads; state is
 * published through volatile fields, each set once per incarnation.
 */
final class InProcessApplication implements ApplicationHandler {

    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    /** Told (once, from the failing thread) when this incarnation will not serve. */
    interface FailureListener {
        void failed(InProcessApplication incarnation, StartFailure failure);
    }

    private final ApplicationContext context;
    private final FailureListener listener;
    private final dev.porter.hosting.outofprocess.ModuleDebugLog debugLog;
    private final String name;
    /** Completes when the domain is retired (its sockets closed, its threads stopped or disowned); set once. */
    private CompletableFuture<Void> retirement;
    private final Object lock = new Object();
    private CompletableFuture<Void> ready; // completes when running or failure is set
    private volatile Running running;
    private volatile StartFailure failure;
    private volatile boolean stopping;
    private volatile AppDomain domain;
    private CompletableFuture<Void> stopped;
    private volatile java.time.Instant runningSince; // for describe()
    private volatile java.time.Instant failedAt;

    /** The app's server, and its options as they were when it started. */
    private record Running(InProcessHttpServer server, InProcessOptions options) {
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("porter-inprocess-timer").factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    InProcessApplication(ApplicationContext context, FailureListener listener,
            dev.porter.hosting.outofprocess.ModuleDebugLog debugLog) {
        this.context = context;
        this.listener = listener;
        this.debugLog = debugLog;
        this.name = context.configPath();
    }

    /**
     * Whether this incarnation failed in a way a fresh one may heal (the app exited, stopped its server, threw, timed
     * out at start — not a command line that cannot load) and its domain is retired: the next request may start anew.
     */
    boolean recyclable() {
        StartFailure f = failure;
        if (f == null || !f.heals() || stopping) {
            return false;
        }
        synchronized (lock) {
            return retirement == null || retirement.isDone();
        }
    }

    /** The failure its requests get, or null. */
    StartFailure failure() {
        return failure;
    }

    /** Whether the app had started its server (it served, then failed: exited or stopped its server). */
    boolean hadStarted() {
        return running != null;
    }

    /** Completes when the failed domain is retired; already complete when there was nothing to retire. */
    CompletableFuture<Void> retired() {
        synchronized (lock) {
            return retirement != null ? retirement : CompletableFuture.completedFuture(null);
        }
    }

    @Override
    public void handle(Exchange exchange) {
        if (stopping) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        Running r = running;
        if (r != null && !r.server().isStopped()) {
            dispatch(exchange, r);
            return;
        }
        StartFailure f = failure;
        if (f != null) {
            sendFailure(exchange, f);
            return;
        }
        // Waits off the loop for the start, then continues on it (unless the client left, or the loop is gone).
        exchange.resumeWhen(startIfNeeded(), (ok, e) -> handle(exchange));
    }

    /**
     * Splits the path base off with porter-integration's rule ({@link PathBase}), so an app sees the same request
     * URI and path base in either hosting model; the app's context is chosen on the front server's cooked
     * (decoded, normalised) path after the base, the path the front routed on.
     */
    private void dispatch(Exchange exchange, Running r) {
        String appPath = exchange.applicationPath();
        String base = appPath.equals("/") ? "" : appPath;
        String cooked = exchange.target().cookedPath();
        PathBase split = PathBase.split(base, exchange.target().rawPath());
        boolean cookedUnder = PathBase.isUnder(base, cooked);
        String routing = cookedUnder ? orRoot(cooked.substring(base.length())) : cooked;
        if (split.matched()) {
            r.server().dispatch(exchange, split.base(), split.rest(), cookedUnder ? routing : orRoot(split.rest()),
                    r.options());
        } else {
            // Only the cooked path lies under the base ("//app1/y", "/x/../app1/y"): the app gets what it would get
            // out-of-process, the split of the cooked path as the forwarder writes it (IIS hands ANCM its cooked URL).
            PathBase wire = PathBase.split(base, WirePath.escape(cooked));
            r.server().dispatch(exchange, wire.base(), wire.rest(), routing, r.options());
        }
    }

    private static String orRoot(String path) {
        return path.isEmpty() ? "/" : path;
    }

    private void sendFailure(Exchange exchange, StartFailure f) {
        ErrorResponses.send(exchange, context, f.error(), f.specificError(), f.reasonsHtml());
    }

    /**
     * The app's {@code user.dir}: its directory, unless the handler setting {@code setCurrentDirectory} is other than
     * {@code true} (spec §3.1, §4: absent means true, only {@code true} counts as true); then the server's own.
     */
    static Path workingDirectory(ApplicationContext context) {
        boolean set = context.webConfig().aspNetCore().handlerSetting("setCurrentDirectory")
                .map(v -> v.trim().equalsIgnoreCase("true")).orElse(true);
        return set ? context.launchDirectory() : Path.of(System.getProperty("user.dir")).toAbsolutePath();
    }

    @Override
    public void preload() {
        startIfNeeded();
    }

    /** Starts the domain (as {@link #preload}); completes once the app's HttpServer serves, fails when it will not. */
    @Override
    public CompletableFuture<Void> start() {
        return startIfNeeded().thenCompose(ok -> {
            StartFailure f = failure;
            if (f != null) {
                return CompletableFuture.failedFuture(new IllegalStateException(f.specificError()));
            }
            if (stopping) {
                return CompletableFuture.failedFuture(new IllegalStateException("The application is shutting down."));
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    @Override
    public boolean isServing() {
        Running r = running;
        return r != null && !r.server().isStopped() && failure == null && !stopping;
    }

    private CompletableFuture<Void> startIfNeeded() {
        synchronized (lock) {
            if (ready == null) {
                ready = new CompletableFuture<>();
                long limitMillis = context.webConfig().aspNetCore().startupTimeLimit().toMillis();
                // Cancelled once the app serves or fails, so a stopped incarnation is not kept reachable.
                ScheduledFuture<?> timer = TIMERS.schedule(() -> startupTimedOut(limitMillis), limitMillis,
                        TimeUnit.MILLISECONDS);
                ready.whenComplete((ok, e) -> timer.cancel(false));
                Thread.ofVirtual().name("porter-inprocess-start").start(this::startDomain);
            }
            return ready;
        }
    }

    /** On a virtual thread: parse the command line, open the stdout log, load the domain, start main. */
    private void startDomain() {
        AspNetCoreConfig config = context.webConfig().aspNetCore();
        JavaCommandLine commandLine;
        try {
            String processPath = dev.porter.hosting.LauncherOverride.processPath(config, context.environment());
            String arguments = dev.porter.hosting.LauncherOverride.arguments(config, context.environment());
            debugLog.info("Starting the application in-process: " + processPath + " " + arguments
                    + (processPath.equals(config.processPath()) && arguments.equals(config.arguments()) ? ""
                    : " (" + dev.porter.hosting.LauncherOverride.PATH_VARIABLE + "/"
                    + dev.porter.hosting.LauncherOverride.ARGS_VARIABLE + " from the server's environment)"));
            commandLine = JavaCommandLine.parse(processPath, arguments, context.launchDirectory());
            debugLog.trace("Main class " + commandLine.mainClass() + ", class path " + commandLine.classPath());
        } catch (JavaCommandLine.InvalidCommandLineException e) {
            fail(StartFailure.hosting(e.getMessage()), null);
            return;
        }
        java.util.Optional<SpringBootJar> boot = SpringBootJar.of(commandLine);
        if (boot.isPresent()) {
            String reason = boot.get().reason();
            fail(StartFailure.misfit(reason, "<ul><li>" + Html.escape(reason) + "</li></ul>"), null);
            return;
        }
        if (!commandLine.ignoredOptions().isEmpty()) {
            InProcessEvents.warn("Application '{}': JVM options {} in arguments do not apply in-process (the app "
                    + "runs in the server's JVM) and were ignored", name, commandLine.ignoredOptions());
        }
        AppOutput output = AppOutput.forApp(context);
        AppDomain d = new AppDomain(this, name, commandLine, workingDirectory(context),
                AncmEnvironment.inProcess(context), output);
        synchronized (lock) {
            if (stopping || failure != null) {
                d.close();
                return;
            }
            domain = d;
        }
        try {
            d.start();
        } catch (StartFailure e) {
            fail(e, d);
        } catch (RuntimeException | LinkageError e) {
            fail(StartFailure.hosting("Loading the application failed: " + e), d);
        }
    }

    // ---- what the domain reports -----------------------------------------------------------------------------------

    boolean isStopping() {
        return stopping || failure != null;
    }

    void serverStarted(AppDomain from, InProcessHttpServer server) {
        synchronized (lock) {
            if (from != domain || stopping || failure != null) {
                return;
            }
            if (running != null) {
                InProcessEvents.warn("Application '{}' started a second HttpServer; in-process, requests go to the "
                        + "first one only", name);
                return;
            }
            long maxAllowed = context.server().requestLimits()
                    .narrowedBy(context.webConfig().requestLimits().orElse(null)).maxAllowedContentLength();
            running = new Running(server, InProcessOptions.read(from.properties(), maxAllowed, name));
            runningSince = java.time.Instant.now();
        }
        InProcessEvents.started(name);
        debugLog.info("The application started its HttpServer; requests are dispatched to it");
        ready.complete(null);
    }

    void mainReturned(AppDomain from) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        if (running == null) {
            exited(from, 0, "the main method of " + from.mainClassName() + " returned before the app started its "
                    + "HttpServer");
        }
        // After its server started, main returning is how most JDK HttpServer apps look: the server runs on.
    }

    void mainThrew(AppDomain from, Throwable e) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        String captured = from.output().captured();
        String what = "the main method of " + from.mainClassName() + " threw " + e + where(e);
        InProcessEvents.unexpectedException(name, what, captured);
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name + "': " + what + ".\r\n"
                + stackTrace(e) + capturedSection(captured), null), from);
    }

    /** Where an exception was thrown: its first frame, as a stack trace prints it. */
    private static String where(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length == 0 ? "" : " at " + AppDomain.frame(trace[0]);
    }

    void exitCalled(AppDomain from, int status, String caller) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        exited(from, status, "System.exit(" + status + ") was called at " + caller
                + (running == null ? " before the app started its HttpServer" : ""));
    }

    private void exited(AppDomain from, int status, String what) {
        String captured = from.output().captured();
        InProcessEvents.exited(name, what, status, captured);
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name + "' has exited: " + what
                + ", exit code = '" + status + "'." + capturedSection(captured), null), from);
    }

    /**
     * The app opened a listening socket of its own (its own server: Javalin on Jetty, an extracted Spring Boot's
     * Tomcat). Before its in-process server started, that is a misfit: named, 500.30, and the socket is closed when
     * the domain is retired. After, it is a side port (JMX, metrics): named, and closed with the domain.
     */
    void ownServerOpened(AppDomain from, String address, String caller) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        if (running != null) {
            InProcessEvents.warn("Application '{}' opened a listening socket of its own on {} (at {}); in-process it "
                    + "is reachable only directly, and it is closed when the app stops", name, address, caller);
            return;
        }
        String what = "the app opened its own server on " + address + "; it needs hostingModel=\"outofprocess\"";
        InProcessEvents.ownServer(name, what, caller);
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name + "': " + what + " (the "
                + "socket was bound at " + caller + "). In-process, the front server owns the sockets and requests "
                + "reach an app only through the JDK's HttpServer.create(...); this app starts a server of its own."
                + capturedSection(from.output().captured()), reasonOwnServerHtml(what)), from);
    }

    private static String reasonOwnServerHtml(String what) {
        return "<ul><li>" + Html.escape(what.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                + what.substring(1) + ".") + "</li></ul>";
    }

    void serverStoppedByApp(AppDomain from, InProcessHttpServer server) {
        Running r = running;
        if (from != domain || stopping || r == null || r.server() != server) {
            return;
        }
        InProcessEvents.warn("Application '{}' stopped its HttpServer (HttpServer.stop was called); the next request "
                + "starts the app again", name);
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name
                + "' stopped its HttpServer (HttpServer.stop was called)." + capturedSection(from.output().captured()),
                null), from);
    }

    private void startupTimedOut(long limitMillis) {
        AppDomain d;
        synchronized (lock) {
            if (running != null || failure != null || stopping) {
                return;
            }
            d = domain;
        }
        InProcessEvents.startupTimedOut(name, context.physicalPath(), limitMillis);
        String reasons = "<ul><li>" + Html.escape("ASP.NET Core app failed to start after " + limitMillis
                + " milliseconds") + "</li></ul>";
        String detail = "The app did not start its HttpServer within startupTimeLimit (" + limitMillis + " ms)."
                + (d == null ? "" : capturedSection(d.output().captured()));
        // ANCM recycles the worker after 500.37 unless suppressRecycleOnStartupTimeout: then the failure stays.
        boolean suppressRecycle = context.webConfig().aspNetCore().handlerFlag("suppressRecycleOnStartupTimeout",
                false);
        fail(suppressRecycle ? StartFailure.lasting(AncmError.STARTUP_TIME_LIMIT, detail, reasons)
                : new StartFailure(AncmError.STARTUP_TIME_LIMIT, detail, reasons), d);
    }

    /** The app will not serve: requests get the failure's page; a loaded domain is stopped and unloaded. */
    private void fail(StartFailure f, AppDomain d) {
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = f;
            failedAt = java.time.Instant.now();
        }
        if (f.error() == AncmError.IN_PROCESS_HOSTING_FAILURE) {
            InProcessEvents.startError(name, f.specificError());
        }
        debugLog.error("The application failed (" + f.error().status() + "." + f.error().subStatus() + "): "
                + f.specificError());
        if (d != null) {
            retireOnce(d, false);
        }
        listener.failed(this, f);
        ready.complete(null);
    }

    /** Starts retiring {@code d} unless that has begun already; the future completes when it is retired. */
    private CompletableFuture<Void> retireOnce(AppDomain d, boolean logShutdown) {
        CompletableFuture<Void> mine;
        synchronized (lock) {
            if (retirement != null) {
                return retirement;
            }
            mine = new CompletableFuture<>();
            retirement = mine;
        }
        Thread.ofVirtual().name("porter-inprocess-retire").start(() -> {
            try {
                retire(d, logShutdown);
            } catch (RuntimeException | Error e) {
                InProcessEvents.warn("Application '{}': retiring its app domain failed: {}", name, e.toString());
            } finally {
                mine.complete(null);
            }
        });
        return mine;
    }

    /** For the admin endpoint: an app domain lives in Porter's own process. */
    @Override
    public Incarnation describe() {
        StartFailure f = failure;
        Running r = running;
        boolean serving = r != null && !r.server().isStopped() && f == null;
        String state = stopping ? Incarnation.STOPPING : f != null ? Incarnation.FAILED
                : serving ? Incarnation.RUNNING : ready != null ? Incarnation.STARTING : Incarnation.IDLE;
        return new Incarnation(state, serving ? List.of(ProcessHandle.current().pid()) : List.of(),
                serving ? runningSince : null, r != null ? 1 : 0, f != null ? 1 : 0,
                f == null ? null : f.error().status() + "." + f.error().subStatus() + " " + f.error().errorType() + ": "
                        + f.specificError(), f == null ? null : failedAt);
    }

    private static String capturedSection(String captured) {
        return captured.isEmpty() ? ""
                : "\r\n\r\nFirst 30KB characters of captured stdout and stderr logs:\r\n" + captured;
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    // ---- stop ------------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        synchronized (lock) {
            if (stopped != null) {
                return stopped;
            }
            stopping = true;
            stopped = new CompletableFuture<>();
            if (ready != null) {
                ready.complete(null); // waiting requests now get 503
            }
        }
        debugLog.info("Stopping the application (" + reason + ")");
        AppDomain d = domain;
        if (d == null) {
            stopped.complete(null);
            return stopped;
        }
        retireOnce(d, true).whenComplete((ok, e) -> stopped.complete(null));
        return stopped;
    }

    /**
     * Drains (up to shutdownTimeLimit), stops the app's server and main thread, names threads it left behind, and
     * drops its class loader. Blocking.
     */
    private void retire(AppDomain d, boolean logShutdown) {
        long limitNanos = context.webConfig().aspNetCore().shutdownTimeLimit().toNanos();
        long deadline = System.nanoTime() + limitNanos;
        boolean drained = d.awaitDrained(deadline);
        if (drained) {
            debugLog.info("Drained all requests, stopping the app");
        } else {
            debugLog.warning(d.inFlightCount() + " request(s) still in flight after shutdownTimeLimit: cut off");
        }
        List<Thread> cutOff = drained ? List.of() : d.abortInFlight();
        boolean stoppedInTime = d.shutdown(deadline) && drained;
        if (logShutdown) {
            if (stoppedInTime) {
                InProcessEvents.shutdown(name);
                debugLog.info("Application has shutdown");
            } else {
                InProcessEvents.gracefulShutdownFailed(name);
                debugLog.warning("Failed to gracefully shutdown the application within shutdownTimeLimit");
            }
        }
        d.shutdownServerExecutors();
        List<Thread> left = new java.util.ArrayList<>(d.liveThreads());
        for (Thread t : cutOff) {
            if (t.isAlive() && !left.contains(t)) {
                left.add(t);
            }
        }
        d.closeOwnServers();
        d.closeConnections();
        if (left.isEmpty()) {
            d.close();
            return;
        }
        // Past shutdownTimeLimit: interrupt what is left and disown it. The domain counts as retired (a fresh one may
        // start); its class loader and log are released when the last of these threads ends.
        java.io.PrintStream appErr = d.output().err();
        for (Thread t : left) {
            // What the interrupt makes them throw is the app's to read (its stderr), not the server's.
            t.setUncaughtExceptionHandler((thread, e) -> {
                appErr.print("Exception in thread \"" + thread.getName() + "\" ");
                e.printStackTrace(appErr);
            });
            t.interrupt();
        }
        InProcessEvents.warn("Application '{}' left {} thread(s) running after it stopped: {}; they were interrupted, "
                + "and its class loader is released when they end", name, left.size(),
                left.stream().map(t -> "'" + t.getName() + "'").collect(Collectors.joining(", ")));
        Thread.ofVirtual().name("porter-inprocess-disowned").start(() -> {
            for (Thread t : left) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
            d.close();
            InProcessEvents.warn("Application '{}': the threads it left running have ended; its class loader is "
                    + "released", name);
        });
    }
}
