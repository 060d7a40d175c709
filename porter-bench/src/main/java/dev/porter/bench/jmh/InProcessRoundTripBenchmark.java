package dev.porter.bench.jmh;

import com.sun.net.httpserver.HttpServer;
import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process hand-off, end to end on one keep-alive loopback connection: the front pipeline decodes and
 * dispatches, the exchange crosses to a handler virtual thread running a {@code com.sun.net.httpserver} handler
 * ({@link App}, loaded into its own app domain as {@code bin/porter run} would), and the 5-byte response crosses back
 * to the event loop. One request at a time, so what it measures is the latency of the two thread hand-offs (virtual
 * thread start, event-loop wake-up) plus the pipeline, which is where the in-process path differs from a handler on
 * the event loop. {@link #keepAliveGet} is one round trip; {@link #headers} adds request headers the app reads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InProcessRoundTripBenchmark {

    private static final byte[] GET = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GET_WITH_HEADERS = """
            GET /headers HTTP/1.1\r
            Host: localhost\r
            User-Agent: jmh\r
            Accept: */*\r
            X-Request-Id: 0123456789abcdef\r
            \r
            """.getBytes(StandardCharsets.US_ASCII);

    private Path dir;
    private Porter porter;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buffer = new byte[4096];

    /** The app, as a user would write it: plain JDK API, no Porter class. */
    public static final class App {
        public static void main(String[] args) throws IOException {
            byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
            HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
            server.createContext("/hello", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, hello.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(hello);
                }
            });
            server.createContext("/headers", exchange -> {
                byte[] id = String.valueOf(exchange.getRequestHeaders().getFirst("X-Request-Id"))
                        .getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, id.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(id);
                }
            });
            server.start();
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("porter-jmh-inprocess-");
        Path classPath = Path.of(App.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.writeString(dir.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><system.webServer>
                  <aspNetCore processPath="java" arguments="-cp %s %s" hostingModel="inprocess"
                              stdoutLogEnabled="false" />
                </system.webServer></configuration>
                """.formatted(classPath, App.class.getName()));
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"),
                List.of(new ServerConfig.Site("Default Web Site", 1,
                        List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                        List.of(new ServerConfig.Application("/", dir)),
                        new ServerConfig.LogFile(false, dir.resolve("logs")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        porter = Porter.start(config);
        socket = new Socket(InetAddress.getLoopbackAddress(), porter.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        int body = roundTrip(GET); // the first request starts the app (its main runs in the app domain)
        if (body != 5) {
            throw new IllegalStateException("the in-process app did not answer 'hello' (" + body + " bytes)");
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        if (socket != null) {
            socket.close();
        }
        if (porter != null) {
            porter.stop();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public int keepAliveGet() throws IOException {
        return roundTrip(GET);
    }

    @Benchmark
    public int headers() throws IOException {
        return roundTrip(GET_WITH_HEADERS);
    }

    /** Sends one request and reads its response (head, then Content-Length bytes); returns the body length. */
    private int roundTrip(byte[] request) throws IOException {
        out.write(request);
        int filled = 0;
        int headEnd = -1;
        long length = -1;
        while (true) {
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                throw new IOException("connection closed after " + filled + " bytes");
            }
            filled += n;
            if (headEnd < 0) {
                headEnd = indexOfBlankLine(buffer, filled);
                if (headEnd < 0) {
                    continue;
                }
                String head = new String(buffer, 0, headEnd, StandardCharsets.ISO_8859_1);
                if (!head.startsWith("HTTP/1.1 200")) {
                    throw new IOException("unexpected response: " + head);
                }
                length = contentLength(head);
            }
            if (filled - headEnd - 4 >= length) {
                return (int) length;
            }
        }
    }

    private static int indexOfBlankLine(byte[] b, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long contentLength(String head) throws IOException {
        for (String line : head.split("\r\n", -1)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        throw new IOException("no Content-Length in " + head);
    }
}
