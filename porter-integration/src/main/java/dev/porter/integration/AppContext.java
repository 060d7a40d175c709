package dev.porter.integration;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A context the app created on an {@link IntegratedServer}. The container never sees it: the server routes to it
 * itself, after the integration took the path base off, so the app's paths stay the app's ({@code /api}, not
 * {@code /app1/api}) and the base matches case-insensitively as in ASP.NET.
 *
 * <p>Safe to change from any thread while requests run, as the JDK's contexts are.
 */
final class AppContext extends HttpContext {
    private final String path;
    private final HttpServer server;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;

    AppContext(String path, HttpHandler handler, HttpServer server) {
        this.path = path;
        this.handler = handler;
        this.server = server;
    }

    @Override
    public HttpHandler getHandler() {
        return handler;
    }

    @Override
    public void setHandler(HttpHandler newHandler) {
        if (newHandler == null) {
            throw new NullPointerException("Null handler parameter");
        }
        if (handler != null) {
            throw new IllegalArgumentException("handler already set");
        }
        handler = newHandler;
    }

    @Override
    public String getPath() {
        return path;
    }

    @Override
    public HttpServer getServer() {
        return server;
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
    public Authenticator setAuthenticator(Authenticator newAuthenticator) {
        Authenticator old = authenticator;
        authenticator = newAuthenticator;
        return old;
    }

    @Override
    public Authenticator getAuthenticator() {
        return authenticator;
    }
}
