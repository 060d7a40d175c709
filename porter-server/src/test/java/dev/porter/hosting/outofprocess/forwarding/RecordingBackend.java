package dev.porter.hosting.outofprocess.forwarding;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A backend app in the test JVM: the JDK's HttpServer on 127.0.0.1 with an OS-chosen port, recording every request
 * it gets (method, raw URI, headers, body, which connection) and answering with the test's handler (default: 200
 * "ok"). Close it.
 */
final class RecordingBackend implements AutoCloseable {

    /** One request as the backend saw it. */
    record Seen(String method, String rawUri, String path, String rawQuery, Headers headers, byte[] body,
            int remotePort) {
        String header(String name) {
            return headers.getFirst(name);
        }

        List<String> headers(String name) {
            List<String> values = headers.get(name);
            return values == null ? List.of() : values;
        }
    }

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    final Set<Integer> connections = ConcurrentHashMap.newKeySet();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile HttpHandler handler = exchange -> respond(exchange, 200, "ok");

    RecordingBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try {
                handler.handle(exchange);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** Replaces the answer; the handler reads the body itself if it wants to ({@link #record} does). */
    RecordingBackend answer(HttpHandler newHandler) {
        this.handler = newHandler;
        return this;
    }

    /** Answers with the recorded request: read the body, record, reply 200 "ok". */
    RecordingBackend recordAndAnswer(String body) {
        return answer(exchange -> {
            record(exchange);
            respond(exchange, 200, body);
        });
    }

    Seen record(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Seen s = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()),
                exchange.getRequestURI().getPath(), exchange.getRequestURI().getRawQuery(),
                exchange.getRequestHeaders(), body, exchange.getRemoteAddress().getPort());
        seen.add(s);
        connections.add(s.remotePort());
        return s;
    }

    static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    Map<String, List<String>> lastHeaders() {
        return seen.getLast().headers();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
