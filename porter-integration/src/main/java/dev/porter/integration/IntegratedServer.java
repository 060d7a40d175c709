package dev.porter.integration;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.httpcontext.HttpContexts;
import dev.porter.integration.internal.RequestRules;
import dev.porter.integration.internal.ShutdownCoordinator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The server {@link PorterIntegration#createServer} returns behind Porter out-of-process: a JDK server on
 * {@code 127.0.0.1:$ASPNETCORE_PORT} with a single container context at {@code /} that runs the integration first and
 * then routes to the app's contexts itself. Routing after the integration is what lets the app keep its own paths
 * under any path base (the JDK routes before filters and case-sensitively, the base matches in any case), and it puts
 * every request, on any path, through the token check: without the token a request gets 400, never a 404 that tells a
 * stranger what exists.
 *
 * <p>The app's contexts follow the JDK's rules through {@link HttpContexts}, the same rules the in-process host
 * follows: the longest context path that prefixes the path after the base wins (none: 404; no handler: 500), then
 * the app's filters, its {@code Authenticator} if it set one, its handler.
 *
 * <p>Context methods may be called from any thread, before or after {@link #start()}, as on the JDK server.
 */
final class IntegratedServer extends HttpServer {
    private final HttpServer delegate;
    private final ShutdownCoordinator shutdown;
    private final HttpContexts contexts = new HttpContexts(() -> this);

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
        HttpContext context = contexts.find(path == null ? "/" : path);
        if (context == null) {
            respond(exchange, 404);
            return;
        }
        integrated.setHttpContext(context);
        if (context.getHandler() == null) {
            respond(exchange, 500);
            return;
        }
        HttpContexts.serve(context, integrated, integrated::setPrincipal);
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
        return delegate.getAddress();
    }

    @Override
    public String toString() {
        return "Porter integrated server on " + getAddress();
    }
}
