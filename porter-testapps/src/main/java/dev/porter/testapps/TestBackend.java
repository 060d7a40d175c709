package dev.porter.testapps;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A backend for out-of-process tests, JDK only: listens on {@code 127.0.0.1:$ASPNETCORE_PORT} and reports what it was
 * given, or misbehaves on request. Run it as {@code java -cp <porter-testapps classes> dev.porter.testapps.TestBackend
 * [options]}.
 *
 * <p>Options (start-up behaviour):
 * <ul>
 * <li>{@code --startup-delay-ms=N} sleep before binding</li>
 * <li>{@code --no-listen} never bind (sleeps for ever)</li>
 * <li>{@code --exit-at-start=CODE} exit at once with that code</li>
 * <li>{@code --print-at-start=N} write N characters {@code a} to stdout before anything else</li>
 * <li>{@code --say=TEXT} write TEXT and a newline to stdout at start</li>
 * <li>{@code --shutdown-delay-ms=N} on the shutdown message (and on SIGTERM) wait N ms before exiting</li>
 * <li>{@code --ignore-shutdown} answer the shutdown message with 202 but do not exit</li>
 * <li>{@code --shutdown-status=S} answer the shutdown message with S instead of 202 (and do not exit)</li>
 * <li>{@code --spawn-child} start a grandchild ({@code sleep 1000}) and report its pid on {@code /child}</li>
 * </ul>
 *
 * <p>Endpoints, under the path base {@code ASPNETCORE_APPL_PATH} (as the IIS integration middleware sees them):
 * <ul>
 * <li>{@code /} hello and pid; {@code /pid}; {@code /cwd}; {@code /args} (one argument a line)</li>
 * <li>{@code /env} (all variables, {@code NAME=value} lines, sorted); {@code /env/NAME} (the value, or 404
 * {@code NOVALUE}); {@code /headers} ({@code name: value} lines); {@code /echo} (the request body back)</li>
 * <li>{@code /sleep?ms=N}; {@code /stream?chunks=N&delayMs=M}; {@code /hang} (never answers)</li>
 * <li>{@code /wait?file=PATH} (URL-encoded): answers once that file exists, so that a test holds a request in flight
 * for exactly as long as it needs rather than for a time a loaded machine may overrun</li>
 * <li>{@code /exit?code=N} (System.exit, no answer); {@code /halt} (Runtime.halt, no answer)</li>
 * <li>{@code /stdout?chars=N} (writes N {@code a}s to stdout)</li>
 * <li>{@code /child} (the grandchild's pid); {@code /spawn} (starts a {@code sleep 1000} now, answers its pid)</li>
 * <li>{@code POST /iisintegration} with {@code MS-ASPNETCORE-EVENT: shutdown}: 202, then stop listening, let the
 * requests in flight finish and exit</li>
 * </ul>
 */
public final class TestBackend {

    private static final long PID = ProcessHandle.current().pid();
    private static volatile long shutdownDelayMillis;
    private static volatile HttpServer server;
    private static volatile Process grandchild;
    private static volatile String[] arguments = new String[0];

    private TestBackend() {
    }

    public static void main(String[] args) throws Exception {
        arguments = args.clone();
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                options.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "" : arg.substring(eq + 1));
            }
        }
        PrintStream out = System.out;
        if (options.containsKey("print-at-start")) {
            out.print("a".repeat(Integer.parseInt(options.get("print-at-start"))));
            out.flush();
        }
        if (options.containsKey("say")) {
            out.println(options.get("say"));
            out.flush();
        }
        if (options.containsKey("exit-at-start")) {
            System.exit(Integer.parseInt(options.get("exit-at-start")));
        }
        shutdownDelayMillis = Long.parseLong(options.getOrDefault("shutdown-delay-ms", "0"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("TestBackend " + PID + " stopping (shutdown hook)");
            out.flush();
            sleep(shutdownDelayMillis);
        }));
        if (options.containsKey("spawn-child")) {
            grandchild = new ProcessBuilder("sleep", "1000").start();
        }
        if (options.containsKey("no-listen")) {
            out.println("TestBackend " + PID + " not listening, as asked");
            out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
        sleep(Long.parseLong(options.getOrDefault("startup-delay-ms", "0")));
        String portText = System.getenv("ASPNETCORE_PORT");
        if (portText == null) {
            System.err.println("TestBackend: ASPNETCORE_PORT is not set");
            System.exit(3);
        }
        int port = Integer.parseInt(portText);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        server = http;
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/", exchange -> {
            try {
                serve(exchange, options, out);
            } catch (IOException | RuntimeException e) {
                exchange.close();
            }
        });
        http.start();
        out.println("TestBackend " + PID + " listening on 127.0.0.1:" + port);
        out.flush();
    }

    private static void serve(HttpExchange exchange, Map<String, String> options, PrintStream out)
            throws IOException {
        URI uri = exchange.getRequestURI();
        String rawPath = uri.getPath();
        // The path base, as the IIS integration middleware takes it off: /app1/x is /x to the app.
        String base = System.getenv().getOrDefault("ASPNETCORE_APPL_PATH", "/");
        String path = base.length() > 1 && rawPath.regionMatches(true, 0, base, 0, base.length())
                ? rawPath.substring(base.length()) : rawPath;
        Map<String, String> query = query(uri.getRawQuery());
        if (exchange.getRequestMethod().equals("POST") && path.equals("/iisintegration")
                && "shutdown".equalsIgnoreCase(trimmed(exchange.getRequestHeaders().getFirst("MS-ASPNETCORE-EVENT")))) {
            int status = Integer.parseInt(options.getOrDefault("shutdown-status", "202"));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            out.println("TestBackend " + PID + " got the shutdown message at " + rawPath + ", token "
                    + exchange.getRequestHeaders().getFirst("MS-ASPNETCORE-TOKEN"));
            out.flush();
            if (status == 202 && !options.containsKey("ignore-shutdown")) {
                // As Kestrel does on StopApplication: stop listening, let the requests in flight finish, then exit
                // (the hook applies the shutdown delay).
                Thread.ofPlatform().start(() -> {
                    HttpServer running = server;
                    if (running != null) {
                        running.stop(60);
                    }
                    System.exit(0);
                });
            }
            return;
        }
        byte[] requestBody = exchange.getRequestBody().readAllBytes();
        switch (path) {
            case "/echo" -> {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(200, requestBody.length == 0 ? -1 : requestBody.length);
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(requestBody);
                }
            }
            case "/pid" -> text(exchange, 200, Long.toString(PID));
            case "/env" -> {
                StringBuilder body = new StringBuilder();
                new TreeMap<>(System.getenv()).forEach((k, v) -> body.append(k).append('=').append(v).append('\n'));
                text(exchange, 200, body.toString());
            }
            case "/headers" -> {
                StringBuilder body = new StringBuilder();
                Headers headers = exchange.getRequestHeaders();
                headers.forEach((name, values) -> values.forEach(v -> body.append(name).append(": ").append(v)
                        .append('\n')));
                text(exchange, 200, body.toString());
            }
            case "/args" -> text(exchange, 200, String.join("\n", arguments));
            case "/cwd" -> text(exchange, 200, Path.of("").toAbsolutePath().toString());
            // The Implementation-Version of the jar this class was loaded from ("null" from a directory).
            case "/version" -> text(exchange, 200, String.valueOf(TestBackend.class.getPackage()
                    .getImplementationVersion()));
            case "/sleep" -> {
                sleep(Long.parseLong(query.getOrDefault("ms", "1000")));
                text(exchange, 200, "slept");
            }
            case "/stream" -> {
                int chunks = Integer.parseInt(query.getOrDefault("chunks", "5"));
                long delay = Long.parseLong(query.getOrDefault("delayMs", "100"));
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream body = exchange.getResponseBody()) {
                    for (int i = 0; i < chunks; i++) {
                        body.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        body.flush();
                        sleep(delay);
                    }
                }
            }
            case "/exit" -> System.exit(Integer.parseInt(query.getOrDefault("code", "1")));
            case "/halt" -> Runtime.getRuntime().halt(Integer.parseInt(query.getOrDefault("code", "1")));
            case "/hang" -> sleep(Long.MAX_VALUE);
            case "/wait" -> {
                Path release = Path.of(URLDecoder.decode(query.getOrDefault("file", ""), StandardCharsets.UTF_8));
                while (!Files.exists(release) && !Thread.currentThread().isInterrupted()) {
                    sleep(10); // polled: the test's release is all that ends the wait
                }
                text(exchange, 200, "released");
            }
            case "/stdout" -> {
                int chars = Integer.parseInt(query.getOrDefault("chars", "1000"));
                out.print("a".repeat(chars));
                out.flush();
                text(exchange, 200, "wrote " + chars);
            }
            case "/spawn" -> {
                Process child = new ProcessBuilder("sleep", "1000").start();
                text(exchange, 200, Long.toString(child.pid()));
            }
            case "/child" -> {
                Process child = grandchild;
                text(exchange, child == null ? 404 : 200, child == null ? "none" : Long.toString(child.pid()));
            }
            default -> {
                if (path.startsWith("/env/")) {
                    String value = System.getenv(path.substring("/env/".length()));
                    text(exchange, value == null ? 404 : 200, value == null ? "NOVALUE" : value);
                } else {
                    text(exchange, 200, "Hello from TestBackend " + PID + " " + exchange.getRequestMethod() + " "
                            + uri.getRawPath());
                }
            }
        }
    }

    private static String trimmed(String value) {
        return value == null ? null : value.trim();
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream o = exchange.getResponseBody()) {
            o.write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> map = new HashMap<>();
        if (raw == null) {
            return map;
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            map.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
        }
        return map;
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
