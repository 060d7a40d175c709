package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.httpcontext.HttpContexts;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The in-process server an app gets from {@code HttpServer.create(...)} (through {@link InProcessServerProvider}):
 * the {@code IISHttpServer} of the JVM. It never listens: the bind address is remembered and ignored, and requests
 * arrive from the front server through {@link #dispatch}. Contexts follow the JDK's rules through {@link HttpContexts},
 * the same rules porter-integration follows out-of-process: the longest context path that prefixes the path relative
 * to the application's virtual path wins (none: 404; no handler: 500), then the app's filters, its
 * {@code Authenticator} if it set one, its handler. Handlers run on a new virtual thread per exchange
 * unless the app set an executor; the threads of the requests one event-loop cycle decodes are started together at
 * the end of that cycle ({@link ThreadStarts}).
 *
 * <p>Threading: the app configures it from any thread; {@link #dispatch} runs on the exchange's event loop.
 */
final class InProcessHttpServer extends HttpServer {

    private final AppDomain domain;
    private final java.util.function.Consumer<InProcessExchange> requestEnded;
    private volatile InetSocketAddress address;
    private volatile Executor executor;
    private final HttpContexts contexts = new HttpContexts(this::facade);
    /** What the app holds: this, or the {@link InProcessHttpsServer} it got from {@code HttpsServer.create}. */
    private volatile HttpServer facade = this;
    private volatile boolean started;
    private volatile boolean stopped;

    InProcessHttpServer(AppDomain domain, InetSocketAddress address) {
        this.domain = domain;
        this.requestEnded = domain::requestEnded; // one for all requests
        this.address = address;
    }

    HttpServer facade() {
        return facade;
    }

    void facade(HttpServer appFacing) {
        this.facade = appFacing;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) {
        if (started) {
            throw new IllegalStateException("server already started");
        }
        this.address = addr; // in-process: the front server owns the sockets
    }

    @Override
    public void start() {
        if (started || stopped) {
            throw new IllegalStateException("server in wrong state");
        }
        started = true;
        domain.serverStarted(this);
    }

    @Override
    public void setExecutor(Executor executor) {
        if (started) {
            throw new IllegalStateException("server already started");
        }
        this.executor = executor;
    }

    @Override
    public Executor getExecutor() {
        return executor;
    }

    /** As the JDK: no new exchanges, then waits up to {@code delay} seconds for the current ones. */
    @Override
    public void stop(int delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("negative delay parameter");
        }
        if (stopped) {
            return;
        }
        if (started) {
            domain.serverStopping(this);
        }
        stopped = true;
        domain.awaitDrainedAfterAppStop(delay);
    }

    /** The host stops the app: no new exchanges, and the app's own later stop() has nothing to report. */
    void markStoppedByHost() {
        stopped = true;
    }

    boolean isStopped() {
        return stopped;
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return contexts.create(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return contexts.create(path);
    }

    @Override
    public void removeContext(String path) {
        contexts.remove(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        contexts.remove(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return address;
    }

    /**
     * On the event loop: hands one request to the app.
     *
     * @param pathBase the application's virtual path as the client spelled it ({@code ""} at the site root)
     * @param relativePath the raw path after it ({@code ""} for the base itself)
     * @param routingPath the decoded relative path that selects the context ({@code /} at least)
     */
    void dispatch(Exchange exchange, String pathBase, String relativePath, String routingPath,
            InProcessOptions options) {
        HttpContext context = contexts.find(routingPath);
        if (context == null) {
            exchange.respond(HttpResponseStatus.NOT_FOUND, "text/html",
                    "<h1>404 Not Found</h1>No context found for request".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (context.getHandler() == null) {
            exchange.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/html",
                    "<h1>500 Internal Server Error</h1>No handler for context".getBytes(StandardCharsets.UTF_8));
            return;
        }
        InProcessExchange app = new InProcessExchange(exchange, context, pathBase, relativePath, options,
                requestEnded);
        domain.requestStarted(app);
        Runnable task = () -> app.run(domain.loader());
        Executor ex = executor;
        if (ex == null) {
            ThreadStarts.start(exchange.eventLoop(), domain.requestThreads().newThread(task), app);
            return;
        }
        try {
            ex.execute(task);
        } catch (RejectedExecutionException e) {
            refused(exchange, app);
        }
    }

    static void refused(Exchange exchange, InProcessExchange app) {
        if (!exchange.isHeadWritten()) {
            exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, null, new byte[0]);
        }
        app.responseFinished();
    }
}
