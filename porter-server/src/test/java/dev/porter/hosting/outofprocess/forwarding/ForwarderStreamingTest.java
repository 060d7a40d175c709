package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies stream both ways, chunk by chunk, with backpressure (spec/ancm-contract.md §1.4): no whole message is ever
 * held. The big transfers are {@value #DEFAULT_BIG} bytes in CI; {@code -Dporter.forwarding.bigBytes=1073741824}
 * runs them with 1 GiB.
 */
class ForwarderStreamingTest {

    static final long DEFAULT_BIG = 256L * 1024 * 1024;
    static final long BIG = Long.getLong("porter.forwarding.bigBytes", DEFAULT_BIG);
    /** Far below any body size here, far above what socket buffers plus a few Netty chunks hold. */
    static final long MEMORY_BOUND = 48L * 1024 * 1024;
    /**
     * What a peer that does not read lets the other side write: the TCP buffers on the way (two loopback connections,
     * each a send and a receive buffer, at most this kernel's tcp_wmem and tcp_rmem maxima) plus Porter's own bounds.
     * Far below the bodies here; a kernel figure, so that a machine with larger buffers does not fail the test.
     */
    static final long ON_THE_WAY_BOUND = 2 * (sysctlMax("tcp_wmem") + sysctlMax("tcp_rmem")) + MEMORY_BOUND;

    private static long sysctlMax(String name) {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4", name)).trim()
                    .split("\\s+");
            return Long.parseLong(f[f.length - 1]);
        } catch (java.io.IOException | RuntimeException e) {
            return 32L * 1024 * 1024; // not Linux: a generous kernel
        }
    }

    @TempDir
    Path dir;

    private RecordingBackend backend;
    private ForwardingFixture porter;

    @BeforeEach
    void start() throws Exception {
        backend = new RecordingBackend();
        porter = ForwardingFixture.start(dir, backend.port());
    }

    @AfterEach
    void stop() {
        porter.close();
        backend.close();
    }

    @Test
    void eachChunkReachesTheClientWhileTheBackendIsStillWriting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        backend.answer(exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
            out.close();
        });
        try (RawHttp http = new RawHttp(porter.port())) {
            http.send("GET /events HTTP/1.1\r\nHost: a\r\n\r\n");
            String soFar = StreamingReads.readUntil(http.socket().getInputStream(), "data: first\n\n");
            assertThat(release.getCount()).as("the backend is still waiting").isEqualTo(1);
            assertThat(soFar).startsWith("HTTP/1.1 200 OK\r\n").contains("text/event-stream");
            release.countDown();
            assertThat(StreamingReads.readUntil(http.socket().getInputStream(), "0\r\n\r\n"))
                    .contains("data: second\n\n");
        }
    }

    @Test
    void bigUploadStreamsWithFlatMemory() throws Exception {
        AtomicLong received = new AtomicLong();
        backend.answer(exchange -> {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            try (InputStream in = exchange.getRequestBody()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                    received.set(total);
                }
            }
            RecordingBackend.respond(exchange, 200, Long.toString(total));
        });
        long start;
        RawHttp.Response r;
        long peak;
        try (MemoryProbe probe = new MemoryProbe(); RawHttp http = new RawHttp(porter.port())) {
            start = System.nanoTime();
            http.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + BIG + "\r\n\r\n");
            OutputStream out = http.socket().getOutputStream();
            byte[] chunk = new byte[256 * 1024];
            for (long sent = 0; sent < BIG; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, BIG - sent));
            }
            out.flush();
            r = http.readResponse();
            peak = probe.peakGrowth();
        }
        report("upload", start, peak);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo(Long.toString(BIG));
        assertThat(peak).isLessThan(MEMORY_BOUND);
    }

    @Test
    void bigDownloadStreamsWithFlatMemory() throws Exception {
        backend.answer(exchange -> {
            exchange.sendResponseHeaders(200, BIG);
            byte[] chunk = new byte[256 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (long sent = 0; sent < BIG; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, BIG - sent));
                }
            }
        });
        long start;
        long total = 0;
        long peak;
        try (MemoryProbe probe = new MemoryProbe(); RawHttp http = new RawHttp(porter.port())) {
            start = System.nanoTime();
            http.send("GET /download HTTP/1.1\r\nHost: a\r\n\r\n");
            InputStream in = http.socket().getInputStream();
            String head = RawBackend.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("content-length: " + BIG);
            byte[] buffer = new byte[256 * 1024];
            while (total < BIG) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, BIG - total));
                assertThat(n).as("bytes after %d", total).isPositive();
                total += n;
            }
            peak = probe.peakGrowth();
        }
        report("download", start, peak);
        assertThat(total).isEqualTo(BIG);
        assertThat(peak).isLessThan(MEMORY_BOUND);
    }

    @Test
    void aSlowClientSlowsTheBackendDown() throws Exception {
        long size = 256L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        backend.answer(exchange -> {
            exchange.sendResponseHeaders(200, size);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = exchange.getResponseBody()) {
                for (long sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            }
        });
        try (MemoryProbe probe = new MemoryProbe(); RawHttp http = new RawHttp(porter.port())) {
            http.send("GET /download HTTP/1.1\r\nHost: a\r\n\r\n");
            // The client reads nothing: the backend gets as far as the socket buffers on the way let it, no further.
            await().atMost(Duration.ofSeconds(10)).until(() -> written.get() > 1024 * 1024);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> written.get() < ON_THE_WAY_BOUND);
            assertThat(probe.peakGrowth()).isLessThan(MEMORY_BOUND);
            InputStream in = http.socket().getInputStream();
            RawBackend.readHead(in);
            long total = 0;
            byte[] buffer = new byte[256 * 1024];
            while (total < size) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - total));
                assertThat(n).isPositive();
                total += n;
            }
            assertThat(total).isEqualTo(size);
        }
    }

    @Test
    void aSlowBackendSlowsTheUploadDown() throws Exception {
        long size = 256L * 1024 * 1024;
        CountDownLatch startReading = new CountDownLatch(1);
        backend.answer(exchange -> {
            try {
                startReading.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long total = 0;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                }
            }
            RecordingBackend.respond(exchange, 200, Long.toString(total));
        });
        AtomicLong sent = new AtomicLong();
        try (MemoryProbe probe = new MemoryProbe(); RawHttp http = new RawHttp(porter.port());
                var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> upload = executor.submit(() -> {
                http.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + size + "\r\n\r\n");
                OutputStream out = http.socket().getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                for (long n = 0; n < size; n += chunk.length) {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                }
                out.flush();
                return null;
            });
            // The backend reads nothing: the client gets as far as the socket buffers on the way let it.
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 1024 * 1024);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> sent.get() < ON_THE_WAY_BOUND);
            assertThat(probe.peakGrowth()).isLessThan(MEMORY_BOUND);
            startReading.countDown();
            upload.get(30, TimeUnit.SECONDS);
            RawHttp.Response r = http.readResponse();
            assertThat(r.bodyText()).isEqualTo(Long.toString(size));
        }
    }

    @Test
    void manyConcurrentClientsShareAFewPooledConnections() throws Exception {
        backend.recordAndAnswer("ok");
        int clients = 32;
        int requests = 25;
        List<Future<Integer>> results = new ArrayList<>();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(executor.submit(() -> {
                    int ok = 0;
                    try (RawHttp http = new RawHttp(porter.port())) {
                        for (int i = 0; i < requests; i++) {
                            RawHttp.Response r = http.exchange("POST /" + id + "/" + i + " HTTP/1.1\r\nHost: a\r\n"
                                    + "Content-Length: 5\r\n\r\nhello");
                            if (r.status() == 200 && r.bodyText().equals("ok")) {
                                ok++;
                            }
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(requests);
            }
        }
        assertThat(backend.seen).hasSize(clients * requests);
        assertThat(backend.seen).allSatisfy(s -> assertThat(new String(s.body(), StandardCharsets.UTF_8))
                .isEqualTo("hello"));
        assertThat(backend.connections.size()).isLessThanOrEqualTo(clients);
        await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
    }

    private static void report(String what, long startNanos, long peakBytes) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        System.out.printf("%s of %d MiB through the forwarder: %.2f s, %.0f MiB/s, peak buffer growth %.1f MiB%n",
                what, BIG >> 20, seconds, (BIG >> 20) / seconds, peakBytes / 1048576.0);
    }
}
