package dev.porter.testapps.fixedpool;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The textbook JDK {@code HttpServer} app: a fixed pool of eight platform threads as its executor, blocking reads and
 * writes. {@code /hang-on-stop} registers a shutdown hook that blocks until interrupted; {@code /stop} stops the
 * server; {@code /exit} calls {@code System.exit(3)}. Listens where {@code ASPNETCORE_PORT} says, else on 8000.
 */
public final class FixedPoolApp {

    private FixedPoolApp() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "8000"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> handle(server, exchange));
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    private static void handle(HttpServer server, HttpExchange exchange) throws IOException {
        switch (exchange.getRequestURI().getPath()) {
            case "/hello" -> send(exchange, "hello from a fixed pool");
            case "/thread" -> send(exchange, Thread.currentThread().getName() + " virtual="
                    + Thread.currentThread().isVirtual());
            case "/echo" -> send(exchange,
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            case "/stop" -> {
                send(exchange, "stopping");
                new Thread(() -> server.stop(0)).start();
            }
            case "/exit" -> {
                send(exchange, "exiting");
                new Thread(() -> System.exit(3)).start();
            }
            case "/hang-on-stop" -> {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        System.out.println("fixed-pool: shutdown hook interrupted");
                    }
                }, "fixed-pool-hung-hook"));
                send(exchange, "hook added");
            }
            default -> {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        }
    }

    private static void send(HttpExchange exchange, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
