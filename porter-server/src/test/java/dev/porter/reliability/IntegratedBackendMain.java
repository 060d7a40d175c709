package dev.porter.reliability;

import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.PorterIntegration;
import java.nio.charset.StandardCharsets;

/**
 * A backend app built on the real integration library (porter-integration), run as a child process by
 * {@link ForgeryTest}: listens on {@code 127.0.0.1:$ASPNETCORE_PORT}, checks {@code $ASPNETCORE_TOKEN}, answers
 * {@code hello} on every path.
 */
public final class IntegratedBackendMain {

    private IntegratedBackendMain() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = PorterIntegration.createServer(0);
        server.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("listening");
    }
}
