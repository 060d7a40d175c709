package dev.porter.httpcontext;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The contexts of one server Porter gives an app, with the JDK's rules (its {@code ServerImpl} and
 * {@code ContextList}), so an app behaves the same on the JDK's server, behind Porter out-of-process
 * (porter-integration) and in-process: {@link #create} refuses a null, relative or duplicate path with the JDK's
 * exceptions; {@link #find} picks the context whose path is the longest <em>string</em> prefix of the decoded path
 * relative to the path base ({@code /api} takes {@code /apix} too, as in the JDK); {@link #serve} runs the context's
 * filters, then its authenticator, then its handler. The caller answers 404 when {@link #find} finds nothing and 500
 * for a context without a handler, as the JDK does.
 *
 * <p>Not API (public for Porter's own modules). The app may create and remove contexts from any thread while
 * requests are routed; changes are serialised, {@link #find} does not lock.
 */
public final class HttpContexts {
    private final List<AppHttpContext> contexts = new CopyOnWriteArrayList<>();
    private final Supplier<HttpServer> server;

    /** @param server what {@link HttpContext#getServer()} returns: the server the app holds */
    public HttpContexts(Supplier<HttpServer> server) {
        this.server = server;
    }

    /** {@code HttpServer.createContext(path, handler)}. */
    public HttpContext create(String path, HttpHandler handler) {
        if (handler == null || path == null) {
            throw new NullPointerException("null handler, or path parameter");
        }
        return add(path, handler);
    }

    /** {@code HttpServer.createContext(path)}: a context whose handler the app sets later. */
    public HttpContext create(String path) {
        if (path == null) {
            throw new NullPointerException("null path parameter");
        }
        return add(path, null);
    }

    private synchronized HttpContext add(String path, HttpHandler handler) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("Illegal value for path or protocol");
        }
        if (exact(path) != null) {
            throw new IllegalArgumentException("cannot add context to list");
        }
        AppHttpContext context = new AppHttpContext(path, handler, server);
        contexts.add(context);
        return context;
    }

    /** {@code HttpServer.removeContext(path)}. */
    public synchronized void remove(String path) {
        if (path == null) {
            throw new NullPointerException("null path parameter");
        }
        AppHttpContext context = exact(path);
        if (context == null) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
        contexts.remove(context);
    }

    /** {@code HttpServer.removeContext(context)}. */
    public synchronized void remove(HttpContext context) {
        if (!(context instanceof AppHttpContext)) {
            throw new IllegalArgumentException("wrong HttpContext type");
        }
        if (!contexts.remove(context)) {
            throw new IllegalArgumentException("no such context in list");
        }
    }

    /**
     * The context for a request: the longest context path that is a string prefix of {@code path}; null for none.
     *
     * @param path the decoded path after the path base ({@code /} at least)
     */
    public HttpContext find(String path) {
        AppHttpContext longest = null;
        for (AppHttpContext context : contexts) {
            String contextPath = context.getPath();
            if (path.startsWith(contextPath)
                    && (longest == null || contextPath.length() > longest.getPath().length())) {
                longest = context;
            }
        }
        return longest;
    }

    private AppHttpContext exact(String path) {
        for (AppHttpContext context : contexts) {
            if (context.getPath().equals(path)) {
                return context;
            }
        }
        return null;
    }

    /**
     * Runs a request through its context as the JDK's server does: the app's filters in order, then the
     * context's {@link Authenticator} (if it set one; it is not among the filters), then the handler. On
     * {@link Authenticator.Success} the principal goes to {@code authenticated} (the exchange's
     * {@code getPrincipal()} answers it from then on); on {@link Authenticator.Retry} or {@link Authenticator.Failure}
     * the request ends with that status and no body, and the handler does not run.
     *
     * @param context a context {@link #find} returned, with a handler
     * @param exchange the exchange the app sees
     * @param authenticated takes the principal the app's authenticator accepted
     */
    public static void serve(HttpContext context, HttpExchange exchange, Consumer<HttpPrincipal> authenticated)
            throws IOException {
        HttpHandler handler = context.getHandler();
        List<Filter> filters = context.getFilters();
        HttpHandler last = context.getAuthenticator() == null ? handler
                : authenticating(context, handler, authenticated);
        if (filters.isEmpty()) {
            last.handle(exchange); // what an empty chain does, without building one
        } else {
            new Filter.Chain(filters, last).doFilter(exchange);
        }
    }

    private static HttpHandler authenticating(HttpContext context, HttpHandler handler,
            Consumer<HttpPrincipal> authenticated) {
        return exchange -> {
            Authenticator authenticator = context.getAuthenticator();
            Authenticator.Result result = authenticator == null ? null : authenticator.authenticate(exchange);
            if (result == null) {
                handler.handle(exchange);
            } else if (result instanceof Authenticator.Success) {
                authenticated.accept(((Authenticator.Success) result).getPrincipal());
                handler.handle(exchange);
            } else {
                int status = result instanceof Authenticator.Retry ? ((Authenticator.Retry) result).getResponseCode()
                        : ((Authenticator.Failure) result).getResponseCode();
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            }
        };
    }
}
