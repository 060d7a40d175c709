package dev.porter.hosting.servlet;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.Incarnation;
import dev.porter.hosting.inprocess.RapidFailProtection;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A Servlet application across its incarnations, for one reading of its web.config — what the in-process handler of
 * a JDK app does, for WARs and Spring Boot jars: requests go to the current {@link ServletApplication}; once that one's
 * app called {@code System.exit} and was retired, the next request starts a fresh incarnation (requests that arrive
 * while an app that had served is being retired wait for it, as IIS queues them for the next worker process; while an
 * app that exited during its start is retired they get its 500.30). IIS's rapid-fail protection is the guard (the
 * handler settings {@code rapidFailProtectionMaxCrashes}, {@code rapidFailProtectionInterval}): too many exits in the
 * interval and the app answers 503 until the interval has passed or web.config changes (which replaces this handler).
 *
 * <p>Threading: {@link #handle} on event loops, never blocking (creating an incarnation only allocates it).
 */
final class ServletAppHandler implements ApplicationHandler {

    private static final byte[] STOPPED_PAGE = ("<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
            + "<body><h1>HTTP Error 503. The service is unavailable.</h1></body></html>")
            .getBytes(StandardCharsets.UTF_8);

    private final ApplicationContext context;
    private final ServletAppShape shape;
    private final ServletHost host;
    private final RapidFailProtection rapidFail;
    private final Object lock = new Object();
    private volatile ServletApplication current;
    private volatile boolean stopped;

    ServletAppHandler(ApplicationContext context, ServletAppShape shape, ServletHost host) {
        this.context = context;
        this.shape = shape;
        this.host = host;
        this.rapidFail = RapidFailProtection.of(context.webConfig().aspNetCore());
        this.current = newIncarnation();
    }

    private ServletApplication newIncarnation() {
        return new ServletApplication(context, shape, host, this::exited);
    }

    @Override
    public void handle(Exchange exchange) {
        if (stopped) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        ServletApplication app = current;
        if (app.exited()) {
            if (rapidFail.isStopped(System.nanoTime())) {
                exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/html", STOPPED_PAGE);
                return;
            }
            if (app.recyclable()) {
                app = next(app);
            } else if (app.hadStarted()) {
                app.retired().whenComplete((ok, e) -> exchange.eventLoop().execute(() -> {
                    if (!exchange.isDone()) {
                        handle(exchange);
                    }
                }));
                return;
            }
        }
        app.handle(exchange);
    }

    /** The incarnation after {@code exited}: a fresh one, unless another request made it already. */
    private ServletApplication next(ServletApplication exited) {
        synchronized (lock) {
            if (current == exited && !stopped) {
                current = newIncarnation();
                ServletEvents.restarting(context.configPath());
            }
            return current;
        }
    }

    /** The current incarnation's app called {@code System.exit}: counted by rapid-fail protection. */
    private void exited() {
        if (!stopped && rapidFail.failed(System.nanoTime())) {
            ServletEvents.rapidFailProtection(context.configPath(), rapidFail.maxCrashes(), rapidFail.interval());
        }
    }

    @Override
    public void preload() {
        current.preload();
    }

    @Override
    public CompletableFuture<Void> start() {
        return current.start();
    }

    @Override
    public boolean isServing() {
        return !stopped && current.isServing();
    }

    @Override
    public Incarnation describe() {
        return current.describe();
    }

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        ServletApplication app;
        synchronized (lock) {
            stopped = true;
            app = current;
        }
        return app.stop(reason);
    }
}
