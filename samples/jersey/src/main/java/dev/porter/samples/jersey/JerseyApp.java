package dev.porter.samples.jersey;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.PorterIntegration;
import java.io.IOException;
import org.glassfish.jersey.jdkhttp.JdkHttpHandlerContainer;
import org.glassfish.jersey.server.ContainerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * A JAX-RS app on Jersey's JDK {@code HttpServer} container, with porter-integration. The same jar runs:
 * <ul>
 *   <li>standalone: {@code java -jar jersey.jar [port]} (8080 by default);</li>
 *   <li>behind Porter out-of-process: {@link PorterIntegration#createServer} binds 127.0.0.1:$ASPNETCORE_PORT and
 *   checks the pairing token, takes the path base off and applies the forwarded client;</li>
 *   <li>in-process: {@code HttpServer.create} inside {@code createServer} returns Porter's in-process server (the
 *   integration stays inactive, Porter applies the path base itself).</li>
 * </ul>
 * Jersey's handler is made with {@link ContainerFactory} rather than {@code JdkHttpServerFactory}, which would create
 * and bind its own server: here the server is whatever {@code createServer} gives, and Jersey is one context on it.
 */
public final class JerseyApp {
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    private JerseyApp() {
    }

    public static void main(String[] args) throws IOException {
        // One line per log record in the stdout log Porter captures (the JDK default takes two); -D wins.
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        int standalonePort = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        ResourceConfig resources = new ResourceConfig(HelloResource.class, InfoResource.class)
                // WADL needs JAXB, which the sample does not carry: without this Jersey warns at every start.
                .property(ServerProperties.WADL_FEATURE_DISABLE, true);
        HttpHandler jersey = ContainerFactory.createContainer(JdkHttpHandlerContainer.class, resources);
        HttpServer server = PorterIntegration.createServer(standalonePort);
        server.createContext("/", exchange -> handle(jersey, exchange));
        server.start();
        System.out.println("Jersey sample listening on " + server.getAddress() + " (" + HostingModel.current() + ")");
    }

    /**
     * Jersey's JDK container hands resources neither the exchange nor the client's address; it handles a request on
     * the calling thread, so the exchange is published to {@link InfoResource} for that call.
     */
    private static void handle(HttpHandler jersey, HttpExchange exchange) throws IOException {
        CurrentExchange.set(exchange);
        try {
            jersey.handle(exchange);
        } finally {
            CurrentExchange.clear();
        }
    }
}
