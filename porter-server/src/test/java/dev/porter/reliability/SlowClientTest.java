package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients against a real Porter forwarding to the recording backend, with short http.sys-style timers
 * ({@code connectionTimeout} 2 s, {@code headerWaitTimeout} 1 s): slowloris heads and stalled bodies are cut off by
 * the timers, a trickled body and a client that reads nothing hold no worker (others are served at once meanwhile),
 * a slow reader does not make Porter buffer the response (the backend is held back), and 1,000 idle connections
 * neither stop another client from being served nor outlive connectionTimeout.
 */
class SlowClientTest {

    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration HEADER_WAIT = Duration.ofSeconds(1);

    @TempDir
    static Path dir;

    private static Front front;
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws IOException {
        front = Front.start(Front.Leg.FORWARDED, dir, new ServerConfig.WebLimits(CONNECTION_TIMEOUT, HEADER_WAIT,
                16384));
    }

    @AfterAll
    static void stop() throws IOException {
        THREADS.shutdownNow();
        front.close();
    }

    /**
     * Fresh clients are answered in full while the slow ones are held. How fast is not asserted (a loaded CI machine
     * makes any bound near the 1 s and 2 s timers a coin toss; speed is bench/run's business); RawHttp's socket
     * timeout is the failure guard.
     */
    private static void assertOthersServed() throws IOException {
        for (int i = 0; i < 5; i++) {
            try (RawHttp http = front.connect()) {
                assertThat(http.exchange("GET /other HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
            }
        }
    }

    /**
     * Sends {@code text} one byte every {@code gapMillis} until the server closes; returns how long after {@code t0}
     * (taken before the socket connected) that happened.
     */
    private static CompletableFuture<Long> trickle(Socket s, long t0, String text, long gapMillis) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(gapMillis); // the trickle itself is what is being tested
                }
            } catch (IOException e) {
                // the server closed the connection: that is the expected end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        }, THREADS);
    }

    private static String readAll(Socket s) {
        try {
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return "reset";
        } catch (IOException e) {
            return "error " + e;
        }
    }

    @Test
    void slowlorisHeadIsCutOffAfterHeaderWaitTimeout() throws Exception {
        List<Socket> lorises = new ArrayList<>();
        List<CompletableFuture<Long>> trickles = new ArrayList<>();
        int before = front.seen().size();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", front.port()));
            s.setSoTimeout(15_000);
            s.setTcpNoDelay(true);
            lorises.add(s);
            trickles.add(trickle(s, t0, "GET /loris HTTP/1.1\r\nHost: a\r\nX-Padding: " + "x".repeat(500) + "\r\n\r\n",
                    100));
        }
        assertOthersServed();
        for (Socket s : lorises) {
            String got = readAll(s); // the socket timeout (15 s) is the guard
            assertThat(got).satisfiesAnyOf(g -> assertThat(g).startsWith("HTTP/1.1 408"),
                    g -> assertThat(g).isIn("", "reset"));
            s.close();
        }
        for (CompletableFuture<Long> t : trickles) {
            // not before headerWaitTimeout (its clock starts after the trickle's); the upper end is a failure guard
            assertThat(t.get(30, TimeUnit.SECONDS)).as("time until cut off, ms")
                    .isBetween(HEADER_WAIT.toMillis() - 50, HEADER_WAIT.toMillis() + 20_000);
        }
        assertThat(front.seen().subList(before, front.seen().size())).extracting(Seen::target)
                .doesNotContain("/loris");
    }

    @Test
    void stalledBodyIsCutOffAfterConnectionTimeout() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", front.port()));
            s.setSoTimeout(30_000);
            long t0 = System.nanoTime(); // before the last byte the server gets: its clock starts after this
            s.getOutputStream().write("POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly this"
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertOthersServed();
            String got = readAll(s);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // 408 when the backend has not answered yet, else the exchange is cut off (closed, no full response)
            assertThat(got).satisfiesAnyOf(g -> assertThat(g).contains("408"), g -> assertThat(g).doesNotContain("ok"));
            // not before connectionTimeout; the upper end is a failure guard
            assertThat(waited).isBetween(CONNECTION_TIMEOUT.toMillis() - 50, CONNECTION_TIMEOUT.toMillis() + 20_000);
        }
        assertThat(front.seen()).noneMatch(s -> "/stall".equals(s.target()) && s.problem() == null);
    }

    @Test
    void trickledBodyHoldsNoWorkerAndArrivesIntact() throws Exception {
        String body = "0123456789".repeat(2);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", front.port()));
            s.setSoTimeout(15_000);
            s.setTcpNoDelay(true);
            s.getOutputStream().write(("POST /trickled HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length()
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            CompletableFuture<Long> trickle = trickle(s, System.nanoTime(), body, 100); // well inside connectionTimeout per byte
            assertOthersServed();
            trickle.get(15, TimeUnit.SECONDS);
            InputStream in = s.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
        }
        Seen seen = front.seen().stream().filter(x -> "/trickled".equals(x.target())).findFirst().orElseThrow();
        assertThat(new String(seen.body(), StandardCharsets.ISO_8859_1)).isEqualTo(body);
    }

    /**
     * Against a Porter that lets a stalled reader be (connectionTimeout 60 s, minBytesPerSecond 0): what is measured
     * here is Porter's buffering, not its cut-off (SlowReaderTest covers that, and the shared front's 2 s
     * connectionTimeout would cut this reader off while the test watches the backend).
     */
    @Test
    void slowReaderDoesNotMakePorterBufferTheResponse(@TempDir Path own) throws Exception {
        long size = 512L * 1024 * 1024;
        Front shared = front;
        Front patient = Front.start(Front.Leg.FORWARDED, own, new ServerConfig.WebLimits(Duration.ofSeconds(60),
                HEADER_WAIT, 16384).withMinBytesPerSecond(0));
        front = patient;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(new InetSocketAddress("127.0.0.1", front.port()));
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET /big/" + size + " HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            // The client reads nothing: the backend must be held back by TCP and Porter's backpressure.
            await().atMost(Duration.ofSeconds(10)).until(() -> front.backendBigBytes() > 0);
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                long now = front.backendBigBytes();
                boolean stable = now == last[0];
                last[0] = now;
                return stable;
            });
            System.out.println("slow reader: the backend wrote " + front.backendBigBytes()
                    + " bytes of 512 MiB while the client read nothing");
            assertThat(front.backendBigBytes()).as("bytes the backend got to write while the client read nothing")
                    .isLessThan(32L * 1024 * 1024);
            assertOthersServed();
            // and the reader can still read: a few MB arrive when it starts
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(4 * 1024 * 1024)).hasSize(4 * 1024 * 1024);
        } finally {
            front = shared;
            patient.close();
        }
    }

    @Test
    void thousandIdleConnectionsDoNotStopOthersAndAreClosedAfterConnectionTimeout() throws Exception {
        // Client and server ends both live in this JVM: 2 fds per connection. Where the fd limit is low (1024 is
        // common), fewer connections are opened, and the test says so.
        var os = (com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        long room = (os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 200) / 2;
        int count = (int) Math.min(1_000, room);
        assertThat(count).as("fd limit %d leaves room for too few connections", os.getMaxFileDescriptorCount())
                .isGreaterThanOrEqualTo(200);
        if (count < 1_000) {
            System.out.println("idle connections: only " + count + " fit under the fd limit "
                    + os.getMaxFileDescriptorCount());
        }
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", front.port()));
                s.setSoTimeout(15_000);
                idle.add(s);
            }
            assertOthersServed();
            List<CompletableFuture<String>> closed = idle.stream()
                    .map(s -> CompletableFuture.supplyAsync(() -> readAll(s), THREADS)).toList();
            long t0 = System.nanoTime();
            for (CompletableFuture<String> c : closed) {
                assertThat(c.get(30, TimeUnit.SECONDS)).as("an idle connection is closed silently").isIn("", "reset");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("a failure guard")
                    .isLessThan(CONNECTION_TIMEOUT.toMillis() + 20_000);
            assertOthersServed();
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }
}
