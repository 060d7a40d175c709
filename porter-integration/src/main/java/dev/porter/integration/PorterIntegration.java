package dev.porter.integration;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import dev.porter.httpcontext.PathBase;
import dev.porter.integration.internal.IntegrationSettings;
import dev.porter.integration.internal.RequestRules;
import dev.porter.integration.internal.ShutdownCoordinator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Makes a {@code com.sun.net.httpserver} app behave behind Porter as an ASP.NET Core app with IIS integration does
 * behind the ASP.NET Core Module: it listens where the module says, accepts only requests the module sent, and sees
 * the client's real scheme, address, path base, certificate and user.
 *
 * <p>The integration is active only when {@code ASPNETCORE_PORT}, {@code ASPNETCORE_APPL_PATH} and
 * {@code ASPNETCORE_TOKEN} are all set and non-empty, which is how Porter starts an out-of-process app. Otherwise the
 * app runs as it would alone: standalone, and also in-process, where Porter's own {@code HttpServer} provider serves
 * the app and applies the path base itself.
 *
 * <pre>{@code
 * HttpServer server = PorterIntegration.createServer(8080);
 * server.createContext("/", exchange -> { ... });
 * server.start();
 * }</pre>
 *
 * <p>Per request, in the order of ASP.NET Core's middleware: the path base is taken off the request URI (the app sees
 * {@code /x} for {@code /app1/x}; {@link #pathBase(HttpExchange)} reads it); {@code X-Forwarded-For} and
 * {@code X-Forwarded-Proto} from a loopback peer become the remote address and {@link #scheme(HttpExchange)}; a
 * request without the right {@code MS-ASPNETCORE-TOKEN} gets 400 with an empty body and never reaches the app;
 * {@code POST /iisintegration} with {@code MS-ASPNETCORE-EVENT: shutdown} gets 202 and stops the app (see
 * {@link #onShutdown(Runnable)}); the forwarded client certificate and user become readable.
 *
 * <p>All methods are static and thread-safe. Handlers receive a wrapping exchange. On a server from
 * {@link #createServer} an {@code Authenticator} set on a context works; with {@link #filter()} on the JDK's own
 * server it does not (the JDK's authentication step expects its own exchange class). Neither is usually needed: the
 * front server authenticates and the user arrives as {@link HttpExchange#getPrincipal()}.
 */
public final class PorterIntegration {
    private PorterIntegration() {
    }

    /** Whether this process was started by Porter out-of-process (the three {@code ASPNETCORE_*} variables are set). */
    public static boolean isBehindPorter() {
        return IntegrationSettings.from(System::getenv).isPresent();
    }

    /** {@link #createServer(int, PorterOptions)} with ANCM's default options. */
    public static HttpServer createServer(int standalonePort) throws IOException {
        return createServer(standalonePort, PorterOptions.defaults());
    }

    /**
     * The app's server, bound and not yet started. Behind Porter out-of-process: a server on
     * {@code 127.0.0.1:$ASPNETCORE_PORT} that applies the integration to every context it creates and creates them
     * under the path base. Otherwise: {@code HttpServer.create(new InetSocketAddress(standalonePort), 0)}, which
     * in-process hosting turns into Porter's in-process server.
     *
     * @param standalonePort the port to listen on when not behind Porter (0 lets the OS choose)
     * @throws IllegalStateException if {@code ASPNETCORE_PORT} is set but not a port number
     */
    public static HttpServer createServer(int standalonePort, PorterOptions options) throws IOException {
        return createServer(standalonePort, options, System::getenv, ShutdownCoordinator.global());
    }

    static HttpServer createServer(int standalonePort, PorterOptions options, Function<String, String> environment,
            ShutdownCoordinator shutdown) throws IOException {
        Objects.requireNonNull(options, "options");
        Optional<IntegrationSettings> settings = IntegrationSettings.from(environment);
        if (!settings.isPresent()) {
            return HttpServer.create(new InetSocketAddress(standalonePort), 0);
        }
        HttpServer server = HttpServer.create(loopback(settings.get().port()), 0);
        IntegratedServer integrated = new IntegratedServer(server, new RequestRules(settings.get(), options), shutdown);
        shutdown.register(integrated);
        return integrated;
    }

    /**
     * Where an app's own server (Jetty, Tomcat, Spring Boot, a self-made {@code HttpServer}) must listen:
     * {@code 127.0.0.1:$ASPNETCORE_PORT} behind Porter out-of-process, else the wildcard address with
     * {@code standalonePort}.
     */
    public static InetSocketAddress listenAddress(int standalonePort) {
        Optional<IntegrationSettings> settings = IntegrationSettings.from(System::getenv);
        return settings.isPresent() ? loopback(settings.get().port()) : new InetSocketAddress(standalonePort);
    }

    /** {@link #filter(PorterOptions)} with ANCM's default options. */
    public static Filter filter() {
        return filter(PorterOptions.defaults());
    }

    /**
     * The integration as a filter, for an app that creates its {@code HttpServer} itself: add it first to each
     * context's {@code getFilters()}. Behind Porter the module sends paths under the path base
     * ({@code ASPNETCORE_APPL_PATH}), so create a context at {@code /} or under the base; the filter takes the base off
     * before the handler runs. Not behind Porter, the filter passes every exchange on unchanged. The default shutdown
     * exits the JVM, since the filter does not know the server (see {@link #onShutdown(Runnable)}).
     */
    public static Filter filter(PorterOptions options) {
        return filter(options, System::getenv, ShutdownCoordinator.global());
    }

    static Filter filter(PorterOptions options, Function<String, String> environment, ShutdownCoordinator shutdown) {
        Objects.requireNonNull(options, "options");
        Optional<IntegrationSettings> settings = IntegrationSettings.from(environment);
        if (!settings.isPresent()) {
            return new IntegrationFilter.PassThrough();
        }
        return new IntegrationFilter(new RequestRules(settings.get(), options), shutdown);
    }

    /**
     * Registers what to do when the module asks the app to stop (its {@code POST /iisintegration} shutdown message,
     * answered 202 first), replacing the default, which stops the servers {@link #createServer} made (exchanges in
     * flight get up to a second) and then calls {@code System.exit(0)}. The hook runs once, on its own non-daemon
     * thread; it should stop the app's server and let the process end (Porter kills it after
     * {@code shutdownTimeLimit}). {@code null} restores the default. Also used by the servlet filter.
     */
    public static void onShutdown(Runnable hook) {
        ShutdownCoordinator.global().onShutdown(hook);
    }

    /**
     * The path base the module sent the request under (e.g. {@code /app1}, as the client spelled it), or {@code ""}.
     */
    public static String pathBase(HttpExchange exchange) {
        IntegratedExchange integrated = integrated(exchange);
        if (integrated != null) {
            return integrated.pathBase();
        }
        // In-process, Porter's own exchange carries it (ASP.NET Core's in-process Request.PathBase).
        Object inProcess = exchange.getAttribute(PathBase.ATTRIBUTE);
        return inProcess instanceof String ? (String) inProcess : "";
    }

    /** The client's scheme: the forwarded one behind Porter, else {@code https} for an {@code HttpsExchange}. */
    public static String scheme(HttpExchange exchange) {
        IntegratedExchange integrated = integrated(exchange);
        if (integrated != null) {
            return integrated.scheme();
        }
        return exchange instanceof HttpsExchange ? "https" : "http";
    }

    /**
     * The client's TLS certificate: the one the module forwarded ({@code MS-ASPNETCORE-CLIENTCERT}, empty if absent or
     * unreadable or if forwarding is off), else the peer certificate of an {@code HttpsExchange}.
     */
    public static Optional<X509Certificate> clientCertificate(HttpExchange exchange) {
        IntegratedExchange integrated = integrated(exchange);
        if (integrated != null) {
            return Optional.ofNullable(integrated.clientCertificate());
        }
        if (exchange instanceof HttpsExchange) {
            SSLSession session = ((HttpsExchange) exchange).getSSLSession();
            try {
                Certificate[] chain = session == null ? null : session.getPeerCertificates();
                if (chain != null && chain.length > 0 && chain[0] instanceof X509Certificate) {
                    return Optional.of((X509Certificate) chain[0]);
                }
            } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The proxy's address ({@code ip:port}) that X-Forwarded-For replaced; also the {@code X-Original-For} header. */
    public static Optional<String> originalFor(HttpExchange exchange) {
        IntegratedExchange integrated = integrated(exchange);
        return integrated == null ? Optional.empty() : Optional.ofNullable(integrated.originalFor());
    }

    /** The connection's scheme that X-Forwarded-Proto replaced; also the {@code X-Original-Proto} header. */
    public static Optional<String> originalProto(HttpExchange exchange) {
        IntegratedExchange integrated = integrated(exchange);
        return integrated == null ? Optional.empty() : Optional.ofNullable(integrated.originalProto());
    }

    private static IntegratedExchange integrated(HttpExchange exchange) {
        if (exchange instanceof IntegratedExchange) {
            return (IntegratedExchange) exchange;
        }
        Object attribute = exchange.getAttribute(IntegratedExchange.ATTRIBUTE);
        return attribute instanceof IntegratedExchange ? (IntegratedExchange) attribute : null;
    }

    /** 127.0.0.1 literally, as ANCM connects over IPv4 loopback whatever the JVM prefers. */
    private static InetSocketAddress loopback(int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), port);
        } catch (UnknownHostException e) {
            throw new AssertionError("a 4-byte address is always valid", e);
        }
    }
}
