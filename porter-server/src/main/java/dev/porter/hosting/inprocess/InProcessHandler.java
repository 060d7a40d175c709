package dev.porter.hosting.inprocess;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.Incarnation;
import dev.porter.hosting.outofprocess.ModuleDebugLog;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process application across its incarnations, for one reading of its web.config (ANCM's in-process handler
 * together with the worker recycling IIS does after an in-process failure, spec §3.1 step 8, DESIGN.md "Worker process
 * recycling"): requests go to the current {@link InProcessApplication}; once that one has failed in a way a fresh app
 * domain may heal (the app exited, stopped its server, threw, or missed {@code startupTimeLimit}) and its domain is
 * retired, the next request starts a fresh incarnation (requests that arrive while an app that had served is being
 * retired wait for it; while a failed start is retired they get its error page). {@link RapidFailProtection} is the
 * guard: too many failures in its interval and the application answers 503 until the interval has passed or
 * web.config changes (which replaces this handler).
 *
 * <p>Threading: {@link #handle} on event loops, never blocking (creating an incarnation only allocates it); failures
 * are reported from the app's or the timer's threads.
 */
final class InProcessHandler implements ApplicationHandler, InProcessApplication.FailureListener {

    static final byte[] STOPPED_PAGE = ("<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
            + "<h1>HTTP Error 503. The service is unavailable.</h1></body></html>").getBytes(StandardCharsets.UTF_8);

    private final ApplicationContext context;
    private final RapidFailProtection rapidFail;
    private final ModuleDebugLog debugLog;
    private final Object lock = new Object();
    private volatile InProcessApplication current;
    private volatile boolean stopped;

    InProcessHandler(ApplicationContext context) {
        this.context = context;
        this.rapidFail = RapidFailProtection.of(context.webConfig().aspNetCore());
        this.debugLog = ModuleDebugLog.forInProcess(context.webConfig().aspNetCore(), context.physicalPath(),
                context.environment());
        this.current = new InProcessApplication(context, this, debugLog);
    }

    @Override
    public void handle(Exchange exchange) {
        if (stopped) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        InProcessApplication app = current;
        StartFailure failure = app.failure();
        if (failure != null) {
            if (rapidFail.isStopped(context.environment().clock().getAsLong())) {
                exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/html", STOPPED_PAGE);
                return;
            }
            if (app.recyclable()) {
                app = next(app);
            } else if (failure.heals() && app.hadStarted()) {
                // An app that served and then went away (exited, stopped its server): as IIS queues requests for the
                // next worker, this one waits for the retirement and goes to the fresh incarnation.
                exchange.resumeWhen(app.retired(), (ok, e) -> handle(exchange));
                return;
            }
        }
        app.handle(exchange);
    }

    /** The incarnation after {@code failed}: a fresh one, unless another request made it already. */
    private InProcessApplication next(InProcessApplication failed) {
        synchronized (lock) {
            if (current == failed && !stopped) {
                current = new InProcessApplication(context, this, debugLog);
                InProcessEvents.restarting(context.configPath());
                debugLog.info("The application failed and was retired: starting it again in a fresh app domain");
            }
            return current;
        }
    }

    @Override
    public void failed(InProcessApplication incarnation, StartFailure failure) {
        if (!failure.heals() || stopped) {
            return;
        }
        if (rapidFail.failed(context.environment().clock().getAsLong())) {
            Duration interval = rapidFail.interval();
            InProcessEvents.rapidFailProtection(context.configPath(), rapidFail.maxCrashes(), interval);
            debugLog.error("Rapid-fail protection: " + rapidFail.maxCrashes() + " failures within "
                    + interval.toSeconds() + " s; requests get 503 for " + interval.toSeconds() + " s");
        }
    }

    /** IIS application preload: starts the current incarnation now. */
    @Override
    public void preload() {
        current.preload();
    }

    /** An overlapped recycle's start: the current incarnation's (completes once its HttpServer serves). */
    @Override
    public CompletableFuture<Void> start() {
        return current.start();
    }

    /** Whether the current incarnation serves now (worth overlapping when this handler is replaced). */
    @Override
    public boolean isServing() {
        return !stopped && current.isServing();
    }

    @Override
    public boolean canStartBeside() {
        return current.canStartBeside();
    }

    /** The admin endpoint's view: the current incarnation's. */
    @Override
    public Incarnation describe() {
        return current.describe();
    }

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        InProcessApplication app;
        synchronized (lock) {
            stopped = true;
            app = current;
        }
        return app.stop(reason);
    }
}
