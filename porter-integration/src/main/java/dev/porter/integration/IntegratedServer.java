package dev.porter.integration;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.internal.RequestRules;
import dev.porter.integration.internal.ShutdownCoordinator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * The server {@link PorterIntegration#createServer} returns behind Porter out-of-process: a JDK server on
 * {@code 127.0.0.1:$ASPNETCORE_PORT} with a single container context at {@code /} that runs the integration first and
 * then routes to the app's contexts itself. Routing after the integration is what lets the app keep its own paths
 * under any path base (the JDK routes before filters and case-sensitively, the base matches in any case), and it puts
 * every request, on any path, through the token check: without the token a request gets 400, never a 404 that tells a
 * stranger what exists.
 *
 * <p>Routing mirrors the JDK's: the context whose path is the longest string prefix of the request path wins;
 * no match is 404. The app's filters then run, then its {@code Authenticator} if it set one, then its handler.
 *
 * <p>Context methods may be called from any thread, before or after {@link #start()}, as on the JDK server.
 */
final class IntegratedServer extends HttpServer {
    private final HttpServer delegate;
    private final ShutdownCoordinator shutdown;
    private final List<AppContext> contexts = new CopyOnWriteArrayList<>();

    IntegratedServer(HttpServer delegate, RequestRules rules, ShutdownCoordinator shutdown) {
        this.delegate = delegate;
        this.shutdown = shutdown;
        HttpContext root = delegate.createContext("/", this::dispatch);
        root.getFilters().add(new IntegrationFilter(rules, shutdown));
    }

    /** Runs on the container's thread for the request, after {@link IntegrationFilter} let it through. */
    private void dispatch(HttpExchange exchange) throws IOException {
        IntegratedExchange integrated = (IntegratedExchange) exchange;
        String path = integrated.getRequestURI().getPath();
        AppContext context = find(path == null ? "/" : path);
        if (context == null) {
            respond(exchange, 404);
            return;
        }
        integrated.setHttpContext(context);
        HttpHandler handler = context.getHandler();
        if (handler == null) {
            respond(exchange, 500);
            return;
        }
        new Filter.Chain(context.getFilters(), authenticated(context, handler)).doFilter(integrated);
    }

    private AppContext find(String path) {
        AppContext longest = null;
        for (AppContext context : contexts) {
            if (path.startsWith(context.getPath())
                    && (longest == null || context.getPath().length() > longest.getPath().length())) {
                longest = context;
            }
        }
        return longest;
    }

    /** The JDK runs an {@code Authenticator} after the filters; so does this, keeping its result codes. */
    private static HttpHandler authenticated(AppContext context, HttpHandler handler) {
        return exchange -> {
            Authenticator authenticator = context.getAuthenticator();
            if (authenticator == null) {
                handler.handle(exchange);
                return;
            }
            Authenticator.Result result = authenticator.authenticate(exchange);
            if (result instanceof Authenticator.Success) {
                ((IntegratedExchange) exchange).setPrincipal(((Authenticator.Success) result).getPrincipal());
                handler.handle(exchange);
            } else if (result instanceof Authenticator.Retry) {
                respond(exchange, ((Authenticator.Retry) result).getResponseCode());
            } else {
                respond(exchange, ((Authenticator.Failure) result).getResponseCode());
            }
        };
    }

    private static void respond(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        delegate.bind(addr, backlog);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        delegate.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return delegate.getExecutor();
    }

    @Override
    public void stop(int delay) {
        shutdown.unregister(this);
        delegate.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        if (handler == null) {
            throw new NullPointerException("null handler, or path parameter");
        }
        return create(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return create(path, null);
    }

    private synchronized HttpContext create(String path, HttpHandler handler) {
        if (path == null) {
            throw new NullPointerException("null path parameter");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("Illegal value for path or protocol");
        }
        if (exact(path) != null) {
            throw new IllegalArgumentException("cannot add context to list");
        }
        AppContext context = new AppContext(path, handler, this);
        contexts.add(context);
        return context;
    }

    private AppContext exact(String path) {
        for (AppContext context : contexts) {
            if (context.getPath().equals(path)) {
                return context;
            }
        }
        return null;
    }

    @Override
    public synchronized void removeContext(String path) {
        AppContext context = path == null ? null : exact(path);
        if (context == null) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
        contexts.remove(context);
    }

    @Override
    public synchronized void removeContext(HttpContext context) {
        if (!contexts.remove(context)) {
            throw new IllegalArgumentException("no such context in list");
        }
    }

    @Override
    public InetSocketAddress getAddress() {
        return delegate.getAddress();
    }

    @Override
    public String toString() {
        return "Porter integrated server on " + getAddress();
    }
}
