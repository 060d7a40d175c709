package dev.porter.hosting.inprocess;

import dev.porter.config.AppPaths;
import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.RequestLimits;
import dev.porter.hosting.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ErrorResponses;
import dev.porter.server.Exchange;
import dev.porter.server.Html;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
 * {@code HttpServer}, up to {@code startupTimeLimit} (else 500.37). A command line that cannot be loaded answers
 * 500.0 with the exact reason; {@code main} returning or throwing before a server started, or the app exiting,
 * answers 500.30 from then on. {@link #stop} drains, stops and unloads the domain; the host then creates a fresh
 * incarnation for the next request.
 *
 * <p>Threading: {@link #handle} on event loops (never blocks); the domain reports from its own threads; state is
 * published through volatile fields, each set once per incarnation.
 */
final class InProcessApplication implements ApplicationHandler {

    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    private final ApplicationContext context;
    private final String name;
    private final Object lock = new Object();
    private CompletableFuture<Void> ready; // completes when running or failure is set
    private volatile Running running;
    private volatile StartFailure failure;
    private volatile boolean stopping;
    private volatile AppDomain domain;
    private CompletableFuture<Void> stopped;

    /** The app's server, and its options as they were when it started. */
    private record Running(InProcessHttpServer server, InProcessOptions options) {
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("porter-inprocess-timer").factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    InProcessApplication(ApplicationContext context) {
        this.context = context;
        this.name = context.configPath();
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
        startIfNeeded().whenComplete((ok, e) -> exchange.eventLoop().execute(() -> {
            if (!exchange.isDone()) {
                handle(exchange);
            }
        }));
    }

    private void dispatch(Exchange exchange, Running r) {
        String appPath = exchange.applicationPath();
        String raw = exchange.target().rawPath();
        String cooked = exchange.target().cookedPath();
        String relative;
        String routing;
        if (appPath.equals("/")) {
            relative = raw;
            routing = cooked;
        } else {
            routing = strip(cooked, appPath);
            String rawStripped = strip(raw, appPath);
            relative = rawStripped != null ? rawStripped : routing;
            if (routing == null) {
                routing = relative;
            }
        }
        r.server().dispatch(exchange, relative, routing, r.options());
    }

    /** {@code /app1/x} without {@code /app1} (case-insensitive, on a segment boundary): {@code /x}; else null. */
    static String strip(String path, String prefix) {
        int n = prefix.length();
        if (path.regionMatches(true, 0, prefix, 0, n) && (path.length() == n || path.charAt(n) == '/')) {
            return path.length() == n ? "/" : path.substring(n);
        }
        return null;
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
            commandLine = JavaCommandLine.parse(config.processPath(), config.arguments(), context.launchDirectory());
        } catch (JavaCommandLine.InvalidCommandLineException e) {
            fail(StartFailure.hosting(e.getMessage()), null);
            return;
        }
        if (!commandLine.ignoredOptions().isEmpty()) {
            InProcessEvents.warn("Application '{}': JVM options {} in arguments do not apply in-process (the app "
                    + "runs in the server's JVM) and were ignored", name, commandLine.ignoredOptions());
        }
        AppOutput output;
        Path logBase = null;
        try {
            logBase = config.stdoutLogEnabled() ? AppPaths.resolve(context.physicalPath(), config.stdoutLogFile())
                    : null;
            output = AppOutput.open(logBase);
        } catch (IOException | RuntimeException e) {
            InProcessEvents.stdoutRedirectionFailed(String.valueOf(logBase), context.physicalPath(), e.toString());
            output = AppOutput.none();
        }
        AppDomain d = new AppDomain(this, name, commandLine, workingDirectory(context), environment(context), output);
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

    /**
     * The environment {@code System.getenv} shows the app (spec §3.1 step 4): the server's, overlaid with the app's
     * environmentVariables (names compared case-insensitively; {@code ANCM_PREFER_ENVIRONMENT_VARIABLES} keeps the
     * server's values), then {@code ASPNETCORE_IIS_PHYSICAL_PATH} and {@code ASPNETCORE_IIS_HTTPAUTH}.
     */
    static Map<String, String> environment(ApplicationContext context) {
        Map<String, String> env = new LinkedHashMap<>(context.environment().variables());
        boolean preferServer = context.environment().get("ANCM_PREFER_ENVIRONMENT_VARIABLES")
                .map(v -> v.trim().equalsIgnoreCase("1") || v.trim().equalsIgnoreCase("true")).orElse(false);
        for (Map.Entry<String, String> e : context.webConfig().aspNetCore().environmentVariables().entrySet()) {
            String existing = keyIgnoringCase(env, e.getKey());
            if (existing != null) {
                if (preferServer) {
                    continue;
                }
                env.remove(existing);
            }
            env.put(e.getKey(), e.getValue());
        }
        putOverriding(env, "ASPNETCORE_IIS_PHYSICAL_PATH", context.physicalPath().toString() + "/");
        putOverriding(env, "ASPNETCORE_IIS_HTTPAUTH", context.server() == null || context.server().security() == null
                ? "anonymous;" : context.server().security().httpAuthVariable());
        return env;
    }

    private static String keyIgnoringCase(Map<String, String> env, String name) {
        for (String key : env.keySet()) {
            if (key.equalsIgnoreCase(name)) {
                return key;
            }
        }
        return null;
    }

    private static void putOverriding(Map<String, String> env, String name, String value) {
        String existing = keyIgnoringCase(env, name);
        if (existing != null) {
            env.remove(existing);
        }
        env.put(name, value);
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
        }
        InProcessEvents.started(name);
        ready.complete(null);
    }

    void mainReturned(AppDomain from) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        if (running == null) {
            exitedBeforeStart(from, 0);
        }
        // After its server started, main returning is how most JDK HttpServer apps look: the server runs on.
    }

    void mainThrew(AppDomain from, Throwable e) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        String captured = from.output().captured();
        InProcessEvents.unexpectedException(name, e, captured);
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name + "' threw "
                + stackTrace(e) + capturedSection(captured), null), from);
    }

    void exitCalled(AppDomain from, int status) {
        if (from != domain || stopping || failure != null) {
            return;
        }
        exitedBeforeStart(from, status);
    }

    private void exitedBeforeStart(AppDomain from, int status) {
        String captured = from.output().captured();
        InProcessEvents.exited(name, status, captured);
        String what = running == null ? "exited before starting its HttpServer" : "exited";
        fail(new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name + "' " + what
                + " with exit code = '" + status + "'." + capturedSection(captured), null), from);
    }

    void serverStoppedByApp(AppDomain from, InProcessHttpServer server) {
        Running r = running;
        if (from != domain || stopping || r == null || r.server() != server) {
            return;
        }
        InProcessEvents.warn("Application '{}' stopped its HttpServer; requests get 500.30 until the app is "
                + "recycled", name);
        failure = new StartFailure(AncmError.APP_FAILED_TO_START, "Application '" + name
                + "' stopped its HttpServer." + capturedSection(from.output().captured()), null);
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
        fail(new StartFailure(AncmError.STARTUP_TIME_LIMIT, "Managed server didn't initialize after "
                + limitMillis + " ms." + (d == null ? "" : capturedSection(d.output().captured())), reasons), d);
    }

    /** The app will not serve: requests get the failure's page; a loaded domain is stopped and unloaded. */
    private void fail(StartFailure f, AppDomain d) {
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = f;
        }
        if (f.error() == AncmError.IN_PROCESS_HOSTING_FAILURE) {
            InProcessEvents.startError(name, f.specificError());
        }
        ready.complete(null);
        if (d != null) {
            Thread.ofVirtual().name("porter-inprocess-retire").start(() -> retire(d, false));
        }
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
        AppDomain d = domain;
        if (d == null) {
            stopped.complete(null);
            return stopped;
        }
        Thread.ofVirtual().name("porter-inprocess-stop").start(() -> {
            try {
                retire(d, true);
            } finally {
                stopped.complete(null);
            }
        });
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
        List<Thread> cutOff = drained ? List.of() : d.abortInFlight();
        boolean stoppedInTime = d.shutdown(deadline) && drained;
        if (logShutdown) {
            if (stoppedInTime) {
                InProcessEvents.shutdown(name);
            } else {
                InProcessEvents.gracefulShutdownFailed(name);
            }
        }
        List<Thread> left = new java.util.ArrayList<>(d.liveThreads());
        for (Thread t : cutOff) {
            if (t.isAlive() && !left.contains(t)) {
                left.add(t);
            }
        }
        if (!left.isEmpty()) {
            InProcessEvents.warn("Application '{}' left {} thread(s) running after it stopped: {}", name, left.size(),
                    left.stream().map(t -> "'" + t.getName() + "'").collect(Collectors.joining(", ")));
        }
        d.close();
    }
}
