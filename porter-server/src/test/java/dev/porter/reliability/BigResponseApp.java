package dev.porter.reliability;

import com.sun.net.httpserver.HttpServer;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JDK-only app for the slow-reader tests, run by both hosting models: out-of-process as a child on
 * {@code 127.0.0.1:$ASPNETCORE_PORT}, in-process from its own jar ({@link Front#jar}). {@code /big?kb=N} answers N KiB
 * of {@link #byteAt} with a Content-Length and appends {@code end <id> ok|failed|aborted wrote <bytes> <millis>} to
 * {@code $RECORD_FILE} when its write ends (so a test sees the handler, and the backend connection, let go): failed
 * when a write threw (the time it did), aborted when Porter's {@code porter.requestAborted} completed meanwhile (the
 * time it did), with the bytes whose write had returned by then (what Porter let the app write); {@code /hello} answers
 * {@code hello}. Self-contained on purpose: the app domain loads it from its jar.
 */
public final class BigResponseApp {

    private BigResponseApp() {
    }

    /** The body's byte at {@code offset}: a pattern that a shifted or truncated copy does not match. */
    public static byte byteAt(long offset) {
        return (byte) (offset % 251);
    }

    public static void main(String[] args) throws Exception {
        FileOutputStream log = new FileOutputStream(System.getenv("RECORD_FILE"), true);
        String port = System.getenv("ASPNETCORE_PORT");
        HttpServer server = port == null ? HttpServer.create(new InetSocketAddress(0), 0)
                : HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port)), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if (!path.endsWith("/big")) {
                byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            long kb = Long.parseLong(query.substring(query.indexOf("kb=") + 3).split("&")[0]);
            String id = query.contains("id=") ? query.substring(query.indexOf("id=") + 3).split("&")[0] : "-";
            // In-process, Porter tells the app that the client is gone (as IIS's RequestAborted) and, as IIS does by
            // default, drops its later writes rather than failing them: the abort's time is what counts there.
            AtomicLong abortedAt = new AtomicLong();
            AtomicLong progress = new AtomicLong(); // bytes whose write returned
            AtomicLong progressAtAbort = new AtomicLong();
            if (exchange.getAttribute("porter.requestAborted") instanceof CompletableFuture<?> aborted) {
                aborted.thenRun(() -> {
                    progressAtAbort.set(progress.get());
                    abortedAt.compareAndSet(0, System.currentTimeMillis());
                });
            }
            String outcome;
            try {
                exchange.sendResponseHeaders(200, kb * 1024);
                byte[] chunk = new byte[16 * 1024];
                long offset = 0;
                try (OutputStream out = exchange.getResponseBody()) {
                    // Stops once told the client is gone, as an app that watches RequestAborted does: generating the
                    // rest (up to 256 MiB per stream, into writes Porter drops) only burns the CPU other tests need.
                    while (offset < kb * 1024 && abortedAt.get() == 0) {
                        int n = (int) Math.min(chunk.length, kb * 1024 - offset);
                        for (int i = 0; i < n; i++) {
                            chunk[i] = byteAt(offset + i);
                        }
                        out.write(chunk, 0, n);
                        offset += n;
                        progress.set(offset);
                    }
                }
                outcome = abortedAt.get() != 0 ? "aborted wrote " + progressAtAbort.get() + " " + abortedAt.get()
                        : "ok wrote " + progress.get() + " " + System.currentTimeMillis();
            } catch (IOException | RuntimeException e) {
                outcome = "failed wrote " + progress.get() + " " + System.currentTimeMillis();
                exchange.close();
            }
            String line = "end " + id + " " + outcome + "\n";
            synchronized (log) {
                log.write(line.getBytes(StandardCharsets.ISO_8859_1));
                log.flush();
            }
        });
        server.start();
    }
}
