package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The in-process server an app gets from {@code HttpServer.create(...)} (through {@link InProcessServerProvider}):
 * the {@code IISHttpServer} of the JVM. It never listens: the bind address is remembered and ignored, and requests
 * arrive from the front server through {@link #dispatch}. Contexts match by the longest path prefix, as the JDK's do,
 * against the path relative to the application's virtual path. Handlers run on a new virtual thread per exchange
 * unless the app set an executor; the threads of the requests one event-loop cycle decodes are started together at
 * the end of that cycle ({@link HandlerStarts}).
 *
 * <p>Threading: the app configures it from any thread; {@link #dispatch} runs on the exchange's event loop.
 */
final class InProcessHttpServer extends HttpServer {

    private final AppDomain domain;
    private volatile InetSocketAddress address;
    private volatile Executor executor;
    private final CopyOnWriteArrayList<InProcessContext> contexts = new CopyOnWriteArrayList<>();
    /** What the app holds: this, or the {@link InProcessHttpsServer} it got from {@code HttpsServer.create}. */
    private volatile HttpServer facade = this;
    private volatile boolean started;
    private volatile boolean stopped;

    InProcessHttpServer(AppDomain domain, InetSocketAddress address) {
        this.domain = domain;
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
        Objects.requireNonNull(handler, "null handler");
        return addContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return addContext(path, null);
    }

    private HttpContext addContext(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "null path parameter");
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("Illegal value for path or protocol");
        }
        synchronized (contexts) {
            for (InProcessContext c : contexts) {
                if (c.getPath().equals(path)) {
                    throw new IllegalArgumentException("cannot add context to list");
                }
            }
            InProcessContext context = new InProcessContext(this, path, handler);
            contexts.add(context);
            return context;
        }
    }

    @Override
    public void removeContext(String path) {
        Objects.requireNonNull(path, "null path parameter");
        if (!contexts.removeIf(c -> c.getPath().equals(path))) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
    }

    @Override
    public void removeContext(HttpContext context) {
        if (!(context instanceof InProcessContext) || !contexts.remove(context)) {
            throw new IllegalArgumentException("wrong HttpContext type");
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        return address;
    }

    /**
     * On the event loop: hands one request to the app.
     *
     * @param relativePath the raw path relative to the application's virtual path ({@code /} at least)
     * @param routingPath the decoded relative path that selects the context
     */
    void dispatch(Exchange exchange, String relativePath, String routingPath, InProcessOptions options) {
        InProcessContext context = findContext(routingPath);
        if (context == null || context.getHandler() == null) {
            exchange.respond(HttpResponseStatus.NOT_FOUND, "text/html",
                    "<h1>404 Not Found</h1>No context found for request".getBytes(StandardCharsets.UTF_8));
            return;
        }
        InProcessExchange app = new InProcessExchange(exchange, context, relativePath, options,
                () -> domain.requestEnded(exchange));
        domain.requestStarted(exchange, app);
        Runnable task = () -> app.run(domain.loader());
        Executor ex = executor;
        if (ex == null) {
            Thread handler = domain.requestThreads().newThread(task);
            if (exchange.eventLoop().inEventLoop()) {
                HandlerStarts.on(exchange.eventLoop()).add(handler, exchange, app);
            } else {
                HandlerStarts.start(handler, exchange, app);
            }
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

    private InProcessContext findContext(String path) {
        InProcessContext best = null;
        for (InProcessContext c : contexts) {
            String p = c.getPath();
            if (path.startsWith(p) && (best == null || p.length() > best.getPath().length())) {
                best = c;
            }
        }
        return best;
    }
}
