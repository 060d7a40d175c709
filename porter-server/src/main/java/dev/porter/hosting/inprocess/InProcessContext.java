package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A context of an in-process server: a path prefix, its handler, filters, attributes and authenticator. */
final class InProcessContext extends HttpContext {

    private final InProcessHttpServer server;
    private final String path;
    private volatile HttpHandler handler;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private volatile Authenticator authenticator;

    InProcessContext(InProcessHttpServer server, String path, HttpHandler handler) {
        this.server = server;
        this.path = path;
        this.handler = handler;
    }

    @Override
    public HttpHandler getHandler() {
        return handler;
    }

    @Override
    public void setHandler(HttpHandler h) {
        if (h == null) {
            throw new NullPointerException("Null handler parameter");
        }
        if (handler != null) {
            throw new IllegalArgumentException("handler already set");
        }
        handler = h;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public HttpServer getServer() {
        return server.facade();
    }

    @Override
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public List<Filter> getFilters() {
        return filters;
    }

    @Override
    public Authenticator setAuthenticator(Authenticator auth) {
        Authenticator old = authenticator;
        authenticator = auth;
        if (auth != null) {
            // The JDK runs the authenticator as the first filter of the context.
            filters.addFirst(new AuthenticatorFilter(auth));
        }
        if (old != null) {
            filters.removeIf(f -> f instanceof AuthenticatorFilter af && af.authenticator == old);
        }
        return old;
    }

    @Override
    public Authenticator getAuthenticator() {
        return authenticator;
    }

    /** Runs an {@link Authenticator} before the handler, as the JDK's server does. */
    private static final class AuthenticatorFilter extends Filter {
        final Authenticator authenticator;

        AuthenticatorFilter(Authenticator authenticator) {
            this.authenticator = authenticator;
        }

        @Override
        public void doFilter(com.sun.net.httpserver.HttpExchange exchange, Chain chain) throws java.io.IOException {
            Authenticator.Result result = authenticator.authenticate(exchange);
            if (result instanceof Authenticator.Success) {
                chain.doFilter(exchange);
            } else if (result instanceof Authenticator.Retry retry) {
                exchange.sendResponseHeaders(retry.getResponseCode(), -1);
                exchange.close();
            } else if (result instanceof Authenticator.Failure failure) {
                exchange.sendResponseHeaders(failure.getResponseCode(), -1);
                exchange.close();
            } else {
                chain.doFilter(exchange);
            }
        }

        @Override
        public String description() {
            return "Authenticator";
        }
    }
}
