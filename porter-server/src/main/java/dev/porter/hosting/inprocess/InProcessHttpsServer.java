package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * What an app gets from {@code HttpsServer.create(...)} in-process: its {@link InProcessHttpServer} under the
 * {@code HttpsServer} type, so an app written for HTTPS standalone runs unchanged. As under IIS, the front server's
 * bindings decide TLS (certificates, protocols, client certificates); the app's {@link HttpsConfigurator} is kept for
 * {@link #getHttpsConfigurator} and otherwise not used (logged once), and requests that came over TLS reach the app as
 * {@code HttpsExchange}s with the front connection's {@code SSLSession}.
 *
 * <p>Threading: as {@link InProcessHttpServer}, to which every call is delegated.
 */
final class InProcessHttpsServer extends HttpsServer {

    private final InProcessHttpServer server;
    private final String appName;
    private volatile HttpsConfigurator configurator;

    InProcessHttpsServer(InProcessHttpServer server, String appName) {
        this.server = server;
        this.appName = appName;
        server.facade(this);
    }

    @Override
    public void setHttpsConfigurator(HttpsConfigurator config) {
        if (config == null) {
            throw new NullPointerException("null HttpsConfigurator");
        }
        if (configurator == null) {
            InProcessEvents.warn("Application '{}' configured TLS for its HttpsServer; in-process the front server's "
                    + "bindings terminate TLS and the app's HttpsConfigurator is not used", appName);
        }
        configurator = config;
    }

    @Override
    public HttpsConfigurator getHttpsConfigurator() {
        return configurator;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) {
        server.bind(addr, backlog);
    }

    @Override
    public void start() {
        server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
        server.stop(delay);
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return server.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return server.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }
}
