package dev.porter.hosting.servlet;

import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.Incarnation;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.inprocess.ServletAppDomain;
import dev.porter.hosting.inprocess.ThreadStarts;
import dev.porter.server.Exchange;
import dev.porter.hosting.ancm.Html;
import java.io.IOException;
import java.net.URLClassLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.Server;

/**
 * One incarnation of a Servlet application in-process, with the lifecycle every in-process app has (ANCM's
 * {@code IN_PROCESS_APPLICATION}): the first request deploys it on a thread of its own while every request waits, up
 * to {@code startupTimeLimit} (then 500.37); input that cannot be a web application answers 500.0 naming the file and
 * what is wrong; a deployment that fails answers 500.30 naming the cause. {@link #stop} (app_offline, web.config
 * change, server shutdown) answers 503 to new requests, lets in-flight ones finish within {@code shutdownTimeLimit},
 * cuts off the rest, stops the app's Jetty {@link Server} (listeners' {@code contextDestroyed}, servlets'
 * {@code destroy}) and closes its class loader; the host then creates a fresh incarnation for the next request.
 *
 * <p>The app runs in a {@link ServletAppDomain} of its own, as a JDK {@code HttpServer} app does: its classes see its
 * own environment, system properties, stdout and shutdown hooks, and {@code System.exit} stops this app only — the
 * requests waiting for it get 500.30 (events 1011/1035 name the call), the app is retired (drained, its context closed,
 * its hooks run, its loader closed) and {@link ServletAppHandler} starts a fresh incarnation for the next request.
 *
 * <p>Threading: {@link #handle} on event loops, never blocking; deployment and stop on virtual threads of their own;
 * state published through volatile fields, each set once per incarnation.
 */
final class ServletApplication implements ApplicationHandler {

    /**
     * One shared factory with one name for the request threads: Jetty's {@code VirtualThreadPool} would wrap each task
     * in a semaphore permit and number each thread's name, work the front server's own limits make needless here.
     */
    private static final ThreadFactory REQUEST_THREADS = Thread.ofVirtual().name("porter-servlet-request").factory();

    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    private final ApplicationContext context;
    private final ServletAppShape shape;
    private final ServletHost host;
    /** Told once when the app calls {@code System.exit} (rapid-fail protection counts it). */
    private final Runnable onExit;
    private final String name;
    private final AtomicLong requestIds = new AtomicLong();
    private final Set<Exchange> inFlight = ConcurrentHashMap.newKeySet();
    /** Upgraded (WebSocket) connections: closed when the app stops (app_offline, recycle, shutdown). */
    private final Set<PorterEndPoint> upgraded = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private volatile CompletableFuture<Void> ready;
    private volatile Running running;
    private volatile DeploymentException failure;
    private volatile boolean stopping;
    private Server starting;
    /**
     * The thread deploying the app, interrupted when the start takes too long; null once the start is over. A Spring
     * Boot app's main thread holds the app's class loader (its context loader, its task) even when it has ended, so
     * keeping it would keep an exited incarnation's classes until the next request replaces the incarnation.
     */
    private Thread startThread;
    private CompletableFuture<Void> stopped;
    /** This incarnation's app domain, once its deployment began. */
    private volatile ServletAppDomain domain;
    /** The app called {@code System.exit}: a fresh incarnation may serve once {@link #retirement} is complete. */
    private volatile boolean exited;
    /** Completes when the exited app is retired; set once, with {@link #exited}. */
    private volatile CompletableFuture<Void> retirement;
    private volatile java.time.Instant runningSince;
    private volatile java.time.Instant failedAt;

    /**
     * The deployed app: its server and connector, the context path requests are addressed to, the class loader to
     * close when it stops, and what to close first (a Spring Boot app's application context), or null.
     */
    private record Running(Server server, PorterConnector connector, String contextPath, ClassLoader loader,
            AutoCloseable application) {
    }

    private static ScheduledThreadPoolExecutor timers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("porter-servlet-timer").factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    ServletApplication(ApplicationContext context, ServletAppShape shape, ServletHost host, Runnable onExit) {
        this.context = context;
        this.shape = shape;
        this.host = host;
        this.onExit = onExit;
        this.name = context.configPath();
    }

    @Override
    public void handle(Exchange exchange) {
        if (stopping) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        Running r = running;
        if (r != null) {
            dispatch(exchange, r);
            return;
        }
        DeploymentException f = failure;
        if (f != null) {
            ErrorResponses.send(exchange, context, f.error(), f.getMessage(), f.reasonsHtml());
            return;
        }
        startIfNeeded().whenComplete((ok, e) -> exchange.eventLoop().execute(() -> {
            if (!exchange.isDone()) {
                handle(exchange);
            }
        }));
    }

    /**
     * On the loop: the request goes to the app's Jetty as objects, on a channel the app's connector reuses; the
     * handler task runs on a virtual thread of its own ({@link ThreadStarts}).
     */
    private void dispatch(Exchange exchange, Running r) {
        long id = requestIds.incrementAndGet();
        HttpChannel channel = r.connector().channels().acquire(exchange, id);
        inFlight.add(exchange);
        PorterHttpStream stream = new PorterHttpStream(exchange, channel, host.executor(), id,
                () -> requestDone(exchange), upgraded);
        channel.setHttpStream(stream);
        Runnable task;
        try {
            task = channel.onRequest(stream.requestMetaData(r.contextPath(),
                    channel.getConnectionMetaData().getHttpVersion()));
            PorterIdentity.apply(channel.getRequest(), exchange);
        } catch (RuntimeException e) {
            ServletEvents.warn("Application '{}': the request {} {} could not be handed to the Servlet host: {}", name,
                    exchange.request().method(), exchange.request().uri(), e.toString());
            exchange.fail();
            requestDone(exchange);
            return;
        }
        if (task != null) {
            // Started with the other requests of this loop cycle; no thread for it (no memory): 503 or a cut.
            ThreadStarts.start(exchange.eventLoop(), REQUEST_THREADS.newThread(task), () -> {
                exchange.fail();
                requestDone(exchange);
            });
        }
    }

    private void requestDone(Exchange exchange) {
        if (inFlight.remove(exchange) && inFlight.isEmpty()) {
            synchronized (inFlight) {
                inFlight.notifyAll();
            }
        }
    }

    // ---- start -----------------------------------------------------------------------------------------------------

    private CompletableFuture<Void> startIfNeeded() {
        synchronized (lock) {
            if (ready == null) {
                ready = new CompletableFuture<>();
                long limitMillis = context.webConfig().aspNetCore().startupTimeLimit().toMillis();
                ScheduledFuture<?> timer = TIMERS.schedule(() -> startupTimedOut(limitMillis), limitMillis,
                        TimeUnit.MILLISECONDS);
                ready.whenComplete((ok, e) -> timer.cancel(false));
                startThread = Thread.ofVirtual().name("porter-servlet-start").start(this::deploy);
            }
            return ready;
        }
    }

    /** On the start thread: a WAR is deployed here; a Spring Boot jar's main is started and reports later. */
    private void deploy() {
        Thread.currentThread().setContextClassLoader(ServletApplication.class.getClassLoader());
        ServletAppDomain d = ServletAppDomain.open(context, shape.systemProperties(), this::exitCalled);
        synchronized (lock) {
            if (stopping || failure != null) {
                d.close();
                return;
            }
            domain = d;
        }
        if (shape.kind() == ServletAppShape.Kind.SPRING_BOOT_JAR) {
            try {
                Thread main = BootDeployment.launch(this, shape, host, context.virtualPath(), environment(), d);
                synchronized (lock) {
                    if (running == null && failure == null && !stopping) {
                        startThread = main; // unless main was quicker and its start is already over
                    }
                }
            } catch (DeploymentException e) {
                fail(e, null);
            } catch (RuntimeException | LinkageError e) {
                fail(DeploymentException.failed(deploymentFailed(e)), null);
            }
            return;
        }
        Server server = null;
        ClassLoader warLoader = null;
        boolean handedOver = false;
        try {
            WarDeployment.check(shape);
            server = host.newServer();
            WebAppContext webApp = WarDeployment.context(shape, context.virtualPath(), d);
            warLoader = webApp.getClassLoader();
            server.setHandler(webApp);
            synchronized (lock) {
                if (stopping || failure != null) {
                    return;
                }
                starting = server;
            }
            server.start();
            Throwable unavailable = webApp.getUnavailableException();
            if (unavailable != null || !webApp.isAvailable()) {
                throw DeploymentException.failed(deploymentFailed(unavailable));
            }
            synchronized (lock) {
                starting = null;
            }
            serving(server, context.virtualPath(), webApp.getClassLoader(), null, "web application " + shape.path());
            handedOver = true;
        } catch (DeploymentException e) {
            handedOver = fail(e, server, warLoader);
        } catch (Exception | LinkageError e) {
            handedOver = fail(DeploymentException.failed(deploymentFailed(e)), server, warLoader);
        } finally {
            if (!handedOver && warLoader != null) {
                // This thread made the loader, so it closes it: System.exit in a listener, a start slower than the
                // limit or a stop came first and retired the server without knowing the loader (fail() then
                // retires nothing more). Stopping first, so the app's contextDestroyed still finds its classes.
                stopServer(server, warLoader);
            }
        }
    }

    String name() {
        return name;
    }

    /** The app's own variables: web.config's environmentVariables and ANCM's in-process ones (spec §3.1 step 4). */
    private java.util.Map<String, String> environment() {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>(
                context.webConfig().aspNetCore().environmentVariables());
        env.put("ASPNETCORE_IIS_PHYSICAL_PATH", context.physicalPath() + "/");
        env.put("ASPNETCORE_APPL_PATH", context.virtualPath());
        return env;
    }

    /**
     * The app is deployed and ready: requests flow to its server from now on. If the application stopped or failed
     * meanwhile (a start slower than the limit), the late server is retired instead.
     */
    void serving(Server server, String contextPath, ClassLoader loader, AutoCloseable application, String what) {
        PorterConnector connector = (PorterConnector) server.getConnectors()[0];
        synchronized (lock) {
            if (stopping || failure != null || running != null) {
                Thread.ofVirtual().name("porter-servlet-retire").start(() -> {
                    closeApplication(application);
                    stopServer(server, loader);
                    closeDomain(System.nanoTime());
                });
                return;
            }
            running = new Running(server, connector, contextPath, loader, application);
            runningSince = java.time.Instant.now();
            startThread = null;
        }
        ServletEvents.started(name, what);
        ready.complete(null);
    }

    /**
     * The app stopped its own web server (a Spring Boot app that closed its context): requests get 500.30 until the
     * app is recycled, as for a JDK-API app that stops its {@code HttpServer}.
     */
    void stoppedByApp(Server server) {
        Running r;
        synchronized (lock) {
            r = running;
            if (stopping || r == null || r.server() != server || failure != null) {
                return;
            }
            failure = DeploymentException.failed("Application '" + name + "' stopped its web server.");
            failedAt = java.time.Instant.now();
            running = null;
        }
        ServletEvents.warn("Application '{}' stopped its web server; requests get 500.30 until the app is recycled",
                name);
        // What a stop would have freed: the app's registration, its server, its domain, its class loader.
        Thread.ofVirtual().name("porter-servlet-retire").start(() -> retire(r));
    }

    /**
     * The app called {@code System.exit} (on its own thread, which then unwinds): this incarnation stops serving —
     * requests waiting for its start get 500.30 naming the call — and is retired; the server and every other app go
     * on. As for a JDK app, the handler starts a fresh incarnation for the requests after it.
     */
    private void exitCalled(int status, String caller) {
        Running r;
        Server half;
        String what;
        String captured;
        synchronized (lock) {
            if (stopping || failure != null) {
                return;
            }
            r = running;
            half = starting;
            ServletAppDomain d = domain;
            captured = d == null ? "" : d.captured();
            what = "System.exit(" + status + ") was called at " + caller
                    + (r == null ? " before the app started its web server" : "");
            failure = DeploymentException.failed("Application '" + name + "' has exited: " + what
                    + ", exit code = '" + status + "'." + (captured.isEmpty() ? ""
                    : "\r\n\r\nFirst 30KB characters of captured stdout and stderr logs:\r\n" + captured));
            failedAt = java.time.Instant.now();
            running = null;
            starting = null;
            startThread = null;
            exited = true;
            retirement = new CompletableFuture<>();
        }
        ServletEvents.exited(name, what, status, captured);
        onExit.run();
        ready.complete(null);
        CompletableFuture<Void> retired = retirement;
        Thread.ofVirtual().name("porter-servlet-retire").start(() -> {
            try {
                if (r != null) {
                    retire(r);
                } else {
                    if (half != null) {
                        stopServer(half, null);
                    }
                    closeDomain(System.nanoTime()
                            + context.webConfig().aspNetCore().shutdownTimeLimit().toNanos());
                }
            } catch (RuntimeException | Error e) {
                ServletEvents.warn("Application '{}': retiring it failed: {}", name, e.toString());
            } finally {
                retired.complete(null);
            }
        });
    }

    /** Whether the app called {@code System.exit} (a fresh incarnation may heal that). */
    boolean exited() {
        return exited;
    }

    /** Whether the app had served before it failed. */
    boolean hadStarted() {
        return runningSince != null;
    }

    /** Completes when the exited app is retired (already complete when it did not exit). */
    CompletableFuture<Void> retired() {
        CompletableFuture<Void> r = retirement;
        return r != null ? r : CompletableFuture.completedFuture(null);
    }

    /** The exited app is retired: the next request may start a fresh incarnation. */
    boolean recyclable() {
        return exited && !stopping && retired().isDone();
    }

    /** The app failed to start (reported from its own thread). */
    void failed(DeploymentException e) {
        fail(e, null);
    }

    private void closeApplication(AutoCloseable application) {
        if (application == null) {
            return;
        }
        try {
            application.close();
        } catch (Exception | LinkageError e) {
            ServletEvents.warn("Application '{}': closing it failed: {}", name, e.toString());
        }
    }

    private String deploymentFailed(Throwable cause) {
        StringBuilder why = new StringBuilder("Deploying the web application '").append(shape.path())
                .append("' failed");
        if (cause == null) {
            return why.append(": the context is unavailable (see the server log).").toString();
        }
        why.append(": ").append(cause);
        for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            why.append("\r\n  caused by ").append(c);
        }
        return why.toString();
    }

    private void startupTimedOut(long limitMillis) {
        Server server;
        Thread starter;
        synchronized (lock) {
            if (running != null || failure != null || stopping) {
                return;
            }
            server = starting;
            starter = startThread;
        }
        ServletEvents.startupTimedOut(name, context.physicalPath(), limitMillis);
        String reasons = "<ul><li>" + Html.escape("ASP.NET Core app failed to start after " + limitMillis
                + " milliseconds") + "</li></ul>";
        fail(new DeploymentException(AncmError.STARTUP_TIME_LIMIT, "Managed server didn't initialize after "
                + limitMillis + " ms.", reasons), server);
        if (starter != null) {
            starter.interrupt();
        }
    }

    private void fail(DeploymentException e, Server server) {
        fail(e, server, null);
    }

    /**
     * As {@link #fail(DeploymentException, Server)}, closing the class loader the failed deployment made. Returns
     * whether it retired them: not when a failure was already recorded (then the caller still holds them).
     */
    private boolean fail(DeploymentException e, Server server, ClassLoader loader) {
        synchronized (lock) {
            if (failure != null) {
                return false;
            }
            failure = e;
            failedAt = java.time.Instant.now();
            starting = null;
            startThread = null;
        }
        if (e.error() != AncmError.STARTUP_TIME_LIMIT) {
            ServletEvents.startError(name, e.getMessage());
        }
        ready.complete(null);
        retireInBackground(server, loader);
        return true;
    }

    /** The app's domain: its shutdown hooks run (up to the deadline), its sockets and stdout log closed. */
    private boolean closeDomain(long deadlineNanos) {
        ServletAppDomain d = domain;
        if (d == null) {
            return true;
        }
        boolean hooksEnded = d.runShutdownHooks(deadlineNanos);
        d.close();
        return hooksEnded;
    }

    // ---- stop ------------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        Running r;
        synchronized (lock) {
            if (stopped != null) {
                return stopped;
            }
            stopping = true;
            stopped = new CompletableFuture<>();
            if (ready != null) {
                ready.complete(null); // waiting requests now get 503
            }
            r = running;
            if (r == null && starting != null) {
                retireInBackground(starting, null);
                starting = null;
            }
        }
        if (r == null) {
            CompletableFuture<Void> exitRetirement = retirement;
            if (exitRetirement != null) {
                exitRetirement.whenComplete((ok, e) -> stopped.complete(null));
            } else {
                // Nothing deployed (yet): the domain's hooks run and its log closes; a late start is retired by serving.
                Thread.ofVirtual().name("porter-servlet-stop").start(() -> {
                    try {
                        closeDomain(System.nanoTime()
                                + context.webConfig().aspNetCore().shutdownTimeLimit().toNanos());
                    } finally {
                        stopped.complete(null);
                    }
                });
            }
            return stopped;
        }
        Thread.ofVirtual().name("porter-servlet-stop").start(() -> {
            try {
                if (retire(r)) {
                    ServletEvents.shutdown(name);
                } else {
                    ServletEvents.gracefulShutdownFailed(name);
                }
            } finally {
                stopped.complete(null);
            }
        });
        return stopped;
    }

    /**
     * Retires a deployed app: lets in-flight requests finish within {@code shutdownTimeLimit} (then cuts them off),
     * closes its WebSockets, closes its application (a Spring Boot context), runs its shutdown hooks, stops its Jetty
     * server, closes its class loader and its domain. Blocking. Returns whether all of it ended in time.
     */
    private boolean retire(Running r) {
        long deadline = System.nanoTime() + context.webConfig().aspNetCore().shutdownTimeLimit().toNanos();
        boolean drained = awaitDrained(deadline);
        if (!drained) {
            for (Exchange e : inFlight) {
                e.eventLoop().execute(e::abort); // the app's blocked reads and writes fail now
            }
        }
        for (PorterEndPoint endPoint : upgraded) {
            endPoint.close();
        }
        closeApplication(r.application());
        ServletAppDomain d = domain;
        boolean hooksEnded = d == null || d.runShutdownHooks(deadline);
        boolean stoppedCleanly = stopServer(r.server(), r.loader());
        if (d != null) {
            d.close();
        }
        return drained && stoppedCleanly && hooksEnded;
    }

    // ---- overlapped recycle and the admin endpoint -----------------------------------------------------------------

    /** IIS application preload: deploys now. */
    @Override
    public void preload() {
        startIfNeeded();
    }

    /** An overlapped recycle's start: completes once the app serves, fails (naming why) when it will not. */
    @Override
    public CompletableFuture<Void> start() {
        return startIfNeeded().thenCompose(ok -> {
            DeploymentException f = failure;
            if (f != null) {
                return CompletableFuture.failedFuture(new IllegalStateException(f.getMessage()));
            }
            if (stopping) {
                return CompletableFuture.failedFuture(new IllegalStateException("The application is shutting down."));
            }
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Whether the app serves now: worth overlapping when its web.config changes. */
    @Override
    public boolean isServing() {
        return running != null && failure == null && !stopping;
    }

    /** For the admin endpoint: a Servlet app lives in Porter's own process. */
    @Override
    public Incarnation describe() {
        DeploymentException f = failure;
        boolean serving = isServing();
        String state = stopping ? Incarnation.STOPPING : f != null ? Incarnation.FAILED
                : serving ? Incarnation.RUNNING : ready != null ? Incarnation.STARTING : Incarnation.IDLE;
        return new Incarnation(state, serving ? java.util.List.of(ProcessHandle.current().pid()) : java.util.List.of(),
                serving ? runningSince : null, runningSince != null ? 1 : 0, f != null ? 1 : 0,
                f == null ? null : f.error().status() + "." + f.error().subStatus() + " " + f.error().errorType()
                        + ": " + f.getMessage(), f == null ? null : failedAt);
    }

    private boolean awaitDrained(long deadlineNanos) {
        synchronized (inFlight) {
            while (!inFlight.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(inFlight, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private void retireInBackground(Server server, ClassLoader loader) {
        Thread.ofVirtual().name("porter-servlet-retire").start(() -> {
            if (server != null) {
                stopServer(server, loader);
            }
            closeDomain(System.nanoTime());
        });
    }

    /** Stops the app's server (listeners and servlets are destroyed) and closes its class loader. */
    private boolean stopServer(Server server, ClassLoader loader) {
        boolean clean = true;
        try {
            if (!server.isStopped()) {
                server.stop();
            }
        } catch (Exception e) {
            clean = false;
            ServletEvents.warn("Application '{}': stopping its Servlet container failed: {}", name, e.toString());
        }
        if (loader instanceof URLClassLoader closeable) {
            try {
                closeable.close();
            } catch (IOException e) {
                ServletEvents.warn("Application '{}': closing its class loader failed: {}", name, e.toString());
            }
        }
        return clean;
    }
}
