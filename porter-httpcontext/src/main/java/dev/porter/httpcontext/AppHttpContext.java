package dev.porter.httpcontext;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A context an app created with {@code createContext} on a server Porter gives it (porter-integration's out-of-process
 * server, or the in-process host's): a path, a handler, the app's filters, attributes and authenticator, as the JDK's
 * own context keeps them. The authenticator is not one of {@link #getFilters()}: as in the JDK, it runs after the
 * app's filters ({@link HttpContexts#serve}), and the app never sees it in its filter list.
 *
 * <p>Safe to change from any thread while requests run, as the JDK's contexts are.
 */
public final class AppHttpContext extends HttpContext {
    private final String path;
    private final Supplier<HttpServer> server;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final List<Filter> filters = new CopyOnWriteArrayList<>();
    private volatile HttpHandler handler;
    private volatile Authenticator authenticator;

    AppHttpContext(String path, HttpHandler handler, Supplier<HttpServer> server) {
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

    /** The server the app holds (in-process: the {@code HttpsServer} facade once it asked for one). */
    @Override
    public HttpServer getServer() {
        return server.get();
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
