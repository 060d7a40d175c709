package dev.porter.samples.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.PorterIntegration;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The README demo: a plain {@code com.sun.net.httpserver} app that runs standalone ({@code java -jar hello.jar [port]},
 * port 8080 by default), behind Porter out-of-process (the integration binds 127.0.0.1:$ASPNETCORE_PORT and checks
 * the pairing token) and in-process (Porter's provider supplies the server), with no code change.
 *
 * <ul>
 *   <li>{@code GET /hello} answers {@code hello}: five bytes, the benchmarks' request.</li>
 *   <li>any other path answers a short text with what the integration sees: path, path base, client, scheme.</li>
 * </ul>
 * Handlers run on the server's dispatcher thread (no executor set): for answers this small that is the fastest the
 * JDK server gets.
 */
public final class HelloApp {
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    private HelloApp() {
    }

    public static void main(String[] args) throws IOException {
        // One line per log record in the stdout log Porter captures (the JDK default takes two); -D wins.
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        int standalonePort = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HttpServer server = PorterIntegration.createServer(standalonePort);
        server.createContext("/hello", HelloApp::hello);
        server.createContext("/", HelloApp::describe);
        server.start();
        System.out.println("Hello sample listening on " + server.getAddress()
                + (PorterIntegration.isBehindPorter() ? " behind Porter (out-of-process)" : ""));
    }

    private static void hello(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(200, HELLO.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(HELLO);
        }
    }

    private static void describe(HttpExchange exchange) throws IOException {
        String text = "Hello from Porter sample\n"
                + "path: " + exchange.getRequestURI().getRawPath() + "\n"
                + "path base: " + PorterIntegration.pathBase(exchange) + "\n"
                + "client: " + exchange.getRemoteAddress().getAddress().getHostAddress() + ":"
                + exchange.getRemoteAddress().getPort() + "\n"
                + "scheme: " + PorterIntegration.scheme(exchange) + "\n"
                + "user: " + (exchange.getPrincipal() == null ? "(anonymous)" : exchange.getPrincipal().getUsername())
                + "\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(bytes);
        }
    }
}
