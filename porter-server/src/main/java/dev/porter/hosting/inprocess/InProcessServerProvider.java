package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The JVM's {@code HttpServerProvider} in a Porter server (installed by the system property
 * {@code com.sun.net.httpserver.HttpServerProvider}, which {@link InProcessHosting} sets, and by
 * {@code META-INF/services} on the class path — the JDK chooses once per JVM). Called from an app domain — told by the
 * app-domain class loader of the calling frames, then by the thread's context class loader, since frameworks create
 * servers on shared threads — it returns that app's {@link InProcessHttpServer} (as an {@link InProcessHttpsServer}
 * from {@code createHttpsServer}); from anywhere else the JDK's own
 * server, so code outside any app domain is unaffected.
 *
 * <p>The JDK's provider class is in a package {@code jdk.httpserver} does not export: Porter's jar manifest and the
 * test JVM add {@code --add-exports jdk.httpserver/sun.net.httpserver=ALL-UNNAMED}.
 */
public final class InProcessServerProvider extends HttpServerProvider {

    private static final String JDK_PROVIDER = "sun.net.httpserver.DefaultHttpServerProvider";
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private volatile HttpServerProvider jdk;

    public InProcessServerProvider() {
    }

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        AppDomain domain = callingDomain();
        if (domain != null) {
            return domain.newServer(addr);
        }
        return jdkProvider().createHttpServer(addr, backlog);
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        AppDomain domain = callingDomain();
        if (domain != null) {
            return new InProcessHttpsServer(domain.newServer(addr), domain.name());
        }
        return jdkProvider().createHttpsServer(addr, backlog);
    }

    /** The app domain whose code is calling, or null. */
    static AppDomain callingDomain() {
        AppDomain fromStack = WALKER.walk(frames -> frames
                .map(f -> f.getDeclaringClass().getClassLoader())
                .filter(l -> l instanceof AppClassLoader)
                .map(l -> ((AppClassLoader) l).domain())
                .filter(java.util.Objects::nonNull)
                .findFirst().orElse(null));
        if (fromStack != null) {
            return fromStack;
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context instanceof AppClassLoader app ? app.domain() : null;
    }

    private HttpServerProvider jdkProvider() throws IOException {
        HttpServerProvider p = jdk;
        if (p == null) {
            try {
                p = Class.forName(JDK_PROVIDER).asSubclass(HttpServerProvider.class).getConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IOException("The JDK's own HttpServer is not reachable from Porter's provider: run the "
                        + "JVM with --add-exports jdk.httpserver/sun.net.httpserver=ALL-UNNAMED (bin/porter's jar "
                        + "manifest does this)", e);
            }
            jdk = p;
        }
        return p;
    }
}
