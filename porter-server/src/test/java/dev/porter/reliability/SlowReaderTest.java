package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that do not take their response (IIS {@code webLimits minBytesPerSecond} and {@code connectionTimeout},
 * {@code MinSendRateHandler}), against a real Porter read from a porter.xml with small limits
 * ({@code connectionTimeout} 3 s, {@code minBytesPerSecond} 100,000), serving {@link BigResponseApp} out-of-process
 * ({@code /oop}) and in-process ({@code /inproc}): a client that stops reading is cut off and the app's write fails
 * (the backend connection closed, the handler thread let go) while others are served; a reader above the rate gets
 * every byte; one below it is cut after the grace; with {@code minBytesPerSecond="0"} that reader is left alone; over
 * HTTP/2 (h2c), with flow-control windows opened as wide as HTTP/2 allows, a client that stops reading holds the app
 * back and is cut off the same way, and clients that read get every byte ({@link RawH2Client}). Raw sockets with a
 * 64 KiB receive buffer, so that what the client does not read backs up quickly.
 */
class SlowReaderTest {

    private static final long CONNECTION_TIMEOUT_MILLIS = 3_000;
    private static final long MIN_RATE = 100_000;
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    static Path dir;

    private static Porter limited;
    private static Porter unlimited;

    @BeforeAll
    static void start() throws Exception {
                Path oop = app("oop", false);
        Path inproc = app("inproc", true);
        Path oopUnlimited = app("oop-unlimited", false);
        limited = Porter.start(config("limited.xml", MIN_RATE, Map.of("/oop", oop, "/inproc", inproc)));
        unlimited = Porter.start(config("unlimited.xml", 0, Map.of("/oop", oopUnlimited)));
    }

    @AfterAll
    static void stop() {
        try {
            if (limited != null) {
                limited.stop();
            }
        } finally {
            if (unlimited != null) {
                unlimited.stop();
            }
        }
    }

    private static Path app(String name, boolean inProcess) {
        Path app = dir.resolve(name);
        Map<String, String> env = Map.of("RECORD_FILE", app.resolve("record.log").toString());
        if (inProcess) {
            Front.jar(app.resolve("app.jar"), BigResponseApp.class);
            TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar",
                    "hostingModel", "inprocess"), env);
        } else {
            TestApps.writeWebConfig(app, Map.of("processPath", TestApps.javaExecutable(),
                    // the JDK's own HttpServer: the test class path also holds Porter's in-process provider
                    "arguments", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
                            + "-Dcom.sun.net.httpserver.HttpServerProvider=sun.net.httpserver.DefaultHttpServerProvider"
                            + " -cp " + System.getProperty("java.class.path") + " " + BigResponseApp.class.getName()),
                    env);
        }
        return app;
    }

    /** The server configuration as a user writes it: a porter.xml with small webLimits. */
    private static ServerConfig config(String file, long minBytesPerSecond, Map<String, Path> apps) throws Exception {
        StringBuilder applications = new StringBuilder();
        apps.forEach((path, physical) -> applications.append("<application path=\"").append(path)
                .append("\" physicalPath=\"").append(physical).append("\" />\n"));
        Path xml = dir.resolve(file);
        Files.writeString(xml, """
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="slow" id="1">
                        <bindings><binding protocol="http" bindingInformation="127.0.0.1:0:" /></bindings>
                        %s
                      </site>
                    </sites>
                    <webLimits connectionTimeout="00:00:03" minBytesPerSecond="%d" http2Cleartext="true" />
                  </system.applicationHost>
                </configuration>
                """.formatted(applications, minBytesPerSecond));
        ServerConfig config = new ServerConfigParser().parse(xml);
        assertThat(config.webLimits().minBytesPerSecond()).isEqualTo(minBytesPerSecond);
        return config;
    }

    /** Sends GET {@code target} on a fresh socket with a small receive buffer and reads the response head. */
    private static Socket get(Porter porter, String target) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(64 * 1024);
        s.connect(new InetSocketAddress("127.0.0.1", porter.port()));
        s.setSoTimeout(20_000);
        s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the response head: " + head);
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        return s;
    }

    /**
     * Reads the body from byte {@code from}, {@code chunk} bytes every {@code gapMillis} (0: as fast as it can),
     * checking each byte against the app's pattern, until byte {@code to}, the end of the stream, or a reset; returns
     * the offset reached.
     */
    private static long read(Socket s, long from, long to, int chunk, long gapMillis) throws InterruptedException {
        byte[] buffer = new byte[chunk];
        long offset = from;
        try {
            InputStream in = s.getInputStream();
            while (offset < to) {
                int wanted = (int) Math.min(chunk, to - offset);
                int n = in.readNBytes(buffer, 0, wanted);
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != BigResponseApp.byteAt(offset + i)) {
                        throw new AssertionError("byte " + (offset + i) + " is wrong");
                    }
                }
                offset += n;
                if (n < wanted) {
                    return offset; // end of stream
                }
                if (gapMillis > 0) {
                    Thread.sleep(gapMillis); // the pace of the reader is what is being tested
                }
            }
        } catch (IOException e) {
            // a reset: the server cut the connection
        }
        return offset;
    }

    /** The app's {@code end <id> ...} line, when its write of that response has ended. */
    private static Optional<String> ended(String app, String id) {
        Path record = dir.resolve(app).resolve("record.log");
        try {
            if (!Files.exists(record)) {
                return Optional.empty();
            }
            return Files.readAllLines(record).stream().filter(l -> l.startsWith("end " + id + " ")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long endMillis(String line) {
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** Started (a cold start is not timed), then five fresh clients answered promptly. */
    private static void assertOthersServedPromptly(Porter porter, String app) throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            assertThat(http.exchange("GET /" + app + "/hello HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 10_000)) {
                RawHttp.Response r = http.exchange("GET /" + app + "/hello HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("hello");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1_500));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"oop", "inproc"})
    void aClientThatStopsReadingIsCutOffAndTheAppLetGo(String app) throws Exception {
        assertOthersServedPromptly(limited, app); // started
        String id = "stop" + IDS.incrementAndGet();
        long total = 256L * 1024 * 1024;
        try (Socket s = get(limited, "/" + app + "/big?kb=" + total / 1024 + "&id=" + id)) {
            assertThat(read(s, 0, 1024 * 1024, 64 * 1024, 0)).isEqualTo(1024 * 1024);
            long stoppedAt = System.currentTimeMillis();
            // the client reads nothing more; meanwhile others are served
            assertOthersServedPromptly(limited, app);
            String end = await().atMost(Duration.ofSeconds(20)).until(() -> ended(app, id), Optional::isPresent).get();
            long cutMillis = endMillis(end) - stoppedAt;
            System.out.println("MEASURED slow reader (" + app + "): a client that stopped reading was cut off and "
                    + "the app's write failed " + cutMillis + " ms later (connectionTimeout 3 s)");
            assertThat(end).as("the app's write of the response (failed out-of-process, aborted in-process)")
                    .containsAnyOf(" failed ", " aborted ");
            assertThat(cutMillis).isBetween(CONNECTION_TIMEOUT_MILLIS - 500, CONNECTION_TIMEOUT_MILLIS + 7_000);
            // what was already on its way can still be read, then the connection is gone: never the whole body
            assertThat(read(s, 1024 * 1024, total, 64 * 1024, 0)).isLessThan(total);
        }
        assertOthersServedPromptly(limited, app);
    }

    @ParameterizedTest
    @ValueSource(strings = {"oop", "inproc"})
    void aReaderAboveTheRateGetsTheWholeBodyIntact(String app) throws Exception {
        assertOthersServedPromptly(limited, app);
        String id = "fast" + IDS.incrementAndGet();
        long total = 6L * 1024 * 1024;
        long t0 = System.nanoTime();
        try (Socket s = get(limited, "/" + app + "/big?kb=" + total / 1024 + "&id=" + id)) {
            // ~800 KB/s: slower than Porter can send (its buffers fill, the watch runs), above minBytesPerSecond
            assertThat(read(s, 0, total, 32 * 1024, 40)).isEqualTo(total);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("MEASURED slow reader (" + app + "): 6 MiB read at about " + total * 1000 / millis / 1024
                + " KiB/s in " + millis + " ms, intact (minBytesPerSecond 100000)");
        String end = await().atMost(Duration.ofSeconds(10)).until(() -> ended(app, id), Optional::isPresent).get();
        assertThat(end).contains(" ok ");
    }

    @Test
    void aReaderBelowTheRateIsCutOffAfterTheGrace() throws Exception {
        String app = "oop";
        assertOthersServedPromptly(limited, app);
        String id = "slow" + IDS.incrementAndGet();
        long t0 = System.currentTimeMillis();
        try (Socket s = get(limited, "/" + app + "/big?kb=262144&id=" + id)) {
            // ~64 KB/s, steadily (progress well within connectionTimeout), below minBytesPerSecond 100,000
            long got = read(s, 0, Long.MAX_VALUE, 16 * 1024, 250);
            long cutMillis = System.currentTimeMillis() - t0;
            System.out.println("MEASURED slow reader (oop): a reader at ~64 KB/s was cut off after " + cutMillis
                    + " ms, having read " + got + " bytes (minBytesPerSecond 100000, grace 5 s)");
            assertThat(cutMillis).as("cut by the rate after the grace, not by connectionTimeout")
                    .isBetween(4_500L, 15_000L);
        }
        String end = await().atMost(Duration.ofSeconds(10)).until(() -> ended(app, id), Optional::isPresent).get();
        assertThat(end).contains(" failed ");
    }

    /** Bytes the pooled allocator that Porter (and this JVM's in-process apps) allocate from holds now. */
    private static long directMemory() {
        return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider metrics
                ? metrics.metric().usedDirectMemory() : -1;
    }

    /** The bytes the app's write had returned for when it ended, from its {@code end} line. */
    private static long appWrote(String line) {
        String[] f = line.split(" ");
        return Long.parseLong(f[f.length - 2]);
    }

    /**
     * Reads DATA of {@code stream} until its end (or a reset), {@code gapMillis} after each frame, checking every byte
     * against the app's pattern; with {@code replenish} it gives back each DATA frame's bytes to the stream's and the
     * connection's window (a client on the default 65,535-byte windows), else it relies on windows opened wide.
     */
    private static long readH2Body(RawH2Client client, int stream, boolean replenish, long gapMillis)
            throws IOException, InterruptedException {
        long offset = 0;
        while (true) {
            RawH2Client.Frame f = client.read();
            if (f.stream() != stream) {
                continue;
            }
            if (f.type() == RawH2Client.RST_STREAM) {
                throw new IOException("stream reset after " + offset + " bytes");
            }
            if (f.type() != RawH2Client.DATA) {
                continue;
            }
            byte[] data = f.payload();
            for (int i = 0; i < data.length; i++) {
                if (data[i] != BigResponseApp.byteAt(offset + i)) {
                    throw new AssertionError("byte " + (offset + i) + " is wrong");
                }
            }
            offset += data.length;
            if (replenish && data.length > 0) {
                client.windowUpdate(stream, data.length);
                client.windowUpdate(0, data.length);
            }
            if (f.endStream()) {
                return offset;
            }
            if (gapMillis > 0) {
                Thread.sleep(gapMillis); // the pace of the reader is what is being tested
            }
        }
    }

    /**
     * An HTTP/2 (h2c) client that opens every flow-control window as wide as HTTP/2 allows (SETTINGS_INITIAL_WINDOW_SIZE
     * and the connection window at 2^31-1), so that only Porter's own bounds can hold the app back, then reads nothing
     * (a raw socket nobody reads, 64 KiB receive buffer): Porter holds the app back (its write blocks after a bounded
     * amount, not the 256 MiB the windows would allow), MinSendRateHandler sees the connection backed up and cuts it
     * after connectionTimeout as it does on HTTP/1.1, and the app's write fails (out-of-process: the backend connection
     * closed) or is aborted (in-process: the handler thread let go), while others are served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"oop", "inproc"})
    void anHttp2ClientThatStopsReadingIsCutOffAndTheAppHeldBack(String app) throws Exception {
        assertOthersServedPromptly(limited, app);
        String id = "h2stop" + IDS.incrementAndGet();
        long total = 256L * 1024 * 1024;
        long directBefore = directMemory();
        try (RawH2Client client = new RawH2Client(limited.port(), 64 * 1024, Integer.MAX_VALUE,
                Integer.MAX_VALUE - 65_535)) {
            int stream = client.get("/" + app + "/big?kb=" + total / 1024 + "&id=" + id);
            assertThat(client.readStatus(stream)).isEqualTo("200");
            long stoppedAt = System.currentTimeMillis();
            // the client reads nothing more; meanwhile others are served
            assertOthersServedPromptly(limited, app);
            long directDuring = directMemory();
            String end = await().atMost(Duration.ofSeconds(20)).until(() -> ended(app, id), Optional::isPresent).get();
            long cutMillis = endMillis(end) - stoppedAt;
            long wrote = appWrote(end);
            System.out.println("MEASURED slow reader (HTTP/2, " + app + "): a client with 2^31-1 windows that stopped"
                    + " reading was cut off and the app's write ended " + cutMillis + " ms later (connectionTimeout 3 s)"
                    + " after it had written " + wrote + " of " + total + " bytes; pooled direct memory "
                    + directBefore / 1024 + " KiB before, " + directDuring / 1024 + " KiB while it was held");
            assertThat(end).as("the app's write of the response (failed out-of-process, aborted in-process)")
                    .containsAnyOf(" failed ", " aborted ");
            assertThat(wrote).as("what the app could write before the cut: Porter held it back").isLessThan(
                    16L * 1024 * 1024);
            assertThat(directDuring - directBefore).as("what Porter held for the connection")
                    .isLessThan(8L * 1024 * 1024);
            assertThat(cutMillis).isBetween(CONNECTION_TIMEOUT_MILLIS - 500, CONNECTION_TIMEOUT_MILLIS + 7_000);
            // reading again: what was on its way, then a reset, never the whole body
            long got = 0;
            try {
                got = readH2Body(client, stream, false, 0);
            } catch (IOException e) {
                // the connection was reset: expected
            }
            assertThat(got).isLessThan(total);
        }
        assertOthersServedPromptly(limited, app);
    }

    /**
     * HTTP/2 clients that read, slower than Porter could send (so back-pressure engages) but above minBytesPerSecond,
     * get the whole body intact: back-pressure releases when the client reads again. Both window shapes: windows
     * opened wide (only Porter's own bounds throttle), and the default 65,535-byte windows given back frame by frame.
     */
    @ParameterizedTest
    @ValueSource(strings = {"oop wide", "inproc wide", "oop default", "inproc default"})
    void aReadingHttp2ClientGetsTheWholeBodyIntact(String variant) throws Exception {
        String app = variant.split(" ")[0];
        boolean wide = variant.endsWith("wide");
        assertOthersServedPromptly(limited, app);
        String id = "h2read" + IDS.incrementAndGet();
        long total = 6L * 1024 * 1024;
        long t0 = System.nanoTime();
        try (RawH2Client client = wide
                ? new RawH2Client(limited.port(), 64 * 1024, Integer.MAX_VALUE, Integer.MAX_VALUE - 65_535)
                : new RawH2Client(limited.port(), 64 * 1024, 65_535, 0)) {
            int stream = client.get("/" + app + "/big?kb=" + total / 1024 + "&id=" + id);
            assertThat(client.readStatus(stream)).isEqualTo("200");
            // Netty's frames are up to 16 KiB: a 15 ms pause after each is ~1 MB/s at most
            assertThat(readH2Body(client, stream, !wide, 15)).isEqualTo(total);
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("MEASURED slow reader (HTTP/2, " + variant + " windows): 6 MiB read at about "
                + total * 1000 / millis / 1024 + " KiB/s in " + millis + " ms, intact (minBytesPerSecond 100000)");
        String end = await().atMost(Duration.ofSeconds(10)).until(() -> ended(app, id), Optional::isPresent).get();
        assertThat(end).contains(" ok ");
    }

    /**
     * Many streams on one HTTP/2 connection that reads nothing (windows wide open): what Porter lets the apps write,
     * summed over the streams, is bounded per connection (each stream is held back while the connection is, not only
     * by its own high-water mark), and the connection is cut as one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"oop", "inproc"})
    void manyStreamsOnAnHttp2ConnectionThatStopsReadingAreHeldBackTogether(String app) throws Exception {
        assertOthersServedPromptly(limited, app);
        int streams = 32;
        long total = 256L * 1024 * 1024;
        long directBefore = directMemory();
        List<String> ids = new ArrayList<>();
        try (RawH2Client client = new RawH2Client(limited.port(), 64 * 1024, Integer.MAX_VALUE,
                Integer.MAX_VALUE - 65_535)) {
            for (int i = 0; i < streams; i++) {
                String id = "h2many" + IDS.incrementAndGet();
                ids.add(id);
                client.get("/" + app + "/big?kb=" + total / 1024 + "&id=" + id);
            }
            long stoppedAt = System.currentTimeMillis();
            Thread.sleep(2_000); // what a connection that reads nothing holds once everything has backed up
            long directDuring = directMemory();
            List<String> ends = new ArrayList<>();
            for (String id : ids) {
                ends.add(await().atMost(Duration.ofSeconds(30)).until(() -> ended(app, id), Optional::isPresent)
                        .get());
            }
            long wrote = ends.stream().mapToLong(SlowReaderTest::appWrote).sum();
            long lastEnd = ends.stream().mapToLong(SlowReaderTest::endMillis).max().orElseThrow() - stoppedAt;
            System.out.println("MEASURED slow reader (HTTP/2, " + app + ", " + streams + " streams): the apps wrote "
                    + wrote + " bytes in all before the cut, the last write ended " + lastEnd + " ms after the"
                    + " requests; pooled direct memory " + directBefore / 1024 + " KiB before, " + directDuring / 1024
                    + " KiB while held");
            assertThat(ends).allSatisfy(end -> assertThat(end).containsAnyOf(" failed ", " aborted "));
            // bounded per connection: a stream is held back while its connection is (Http2StreamWritability)
            assertThat(directDuring - directBefore).as("what Porter held for the connection")
                    .isLessThan(streams * 1024L * 1024);
            if (app.equals("inproc")) {
                // 256 KiB per stream (9 MB for 32) before streams followed their connection; ~2.7 MB measured after
                assertThat(wrote).as("what the in-process handlers could write in all").isLessThan(6L * 1024 * 1024);
            }
            assertThat(lastEnd).isLessThan(CONNECTION_TIMEOUT_MILLIS + 10_000);
        }
        assertOthersServedPromptly(limited, app);
    }

    /**
     * One stream starved by its own window (0: the client never opens it) while the connection keeps moving another
     * stream: the starved stream's app is held back, the other gets its whole body, and the starved stream is reset
     * once it has made no progress for connectionTimeout.
     */
    @ParameterizedTest
    @ValueSource(strings = {"oop", "inproc"})
    void aStreamStarvedByItsWindowIsHeldBackAndReset(String app) throws Exception {
        assertOthersServedPromptly(limited, app);
        String starvedId = "h2starved" + IDS.incrementAndGet();
        String movingId = "h2moving" + IDS.incrementAndGet();
        try (RawH2Client client = new RawH2Client(limited.port(), 64 * 1024, 0, Integer.MAX_VALUE - 65_535)) {
            int starved = client.get("/" + app + "/big?kb=262144&id=" + starvedId);
            assertThat(client.readStatus(starved)).isEqualTo("200");
            long t0 = System.currentTimeMillis();
            int moving = client.get("/" + app + "/big?kb=4096&id=" + movingId);
            assertThat(client.readStatus(moving)).isEqualTo("200");
            client.windowUpdate(moving, Integer.MAX_VALUE);
            assertThat(readH2Body(client, moving, false, 0)).isEqualTo(4L * 1024 * 1024);
            assertThat(ended(app, movingId).orElseThrow()).contains(" ok ");
            // the starved stream's fate, frame by frame
            long resetAt = -1;
            client.socket().setSoTimeout(1_000);
            while (System.currentTimeMillis() - t0 < CONNECTION_TIMEOUT_MILLIS + 8_000 && resetAt < 0) {
                try {
                    RawH2Client.Frame f = client.read();
                    if (f.type() == RawH2Client.RST_STREAM && f.stream() == starved) {
                        resetAt = System.currentTimeMillis() - t0;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // nothing yet
                }
            }
            Optional<String> end = ended(app, starvedId);
            System.out.println("MEASURED starved HTTP/2 stream (" + app + "): reset " + (resetAt < 0 ? "never (within "
                    + (CONNECTION_TIMEOUT_MILLIS + 8_000) + " ms)" : resetAt + " ms after its head") + "; the app: "
                    + end.orElse("still writing"));
            assertThat(resetAt).as("reset after connectionTimeout without progress").isBetween(
                    CONNECTION_TIMEOUT_MILLIS - 500, CONNECTION_TIMEOUT_MILLIS + 7_000);
            String e = await().atMost(Duration.ofSeconds(10)).until(() -> ended(app, starvedId), Optional::isPresent)
                    .get();
            assertThat(e).containsAnyOf(" failed ", " aborted ");
            assertThat(appWrote(e)).isLessThan(16L * 1024 * 1024);
        }
    }

    @Test
    void zeroMinBytesPerSecondLeavesASlowReaderAlone() throws Exception {
        String app = "oop-unlimited";
        try (RawHttp http = new RawHttp("127.0.0.1", unlimited.port(), 30_000)) {
            assertThat(http.exchange("GET /oop/hello HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        String id = "zero" + IDS.incrementAndGet();
        try (Socket s = get(unlimited, "/oop/big?kb=262144&id=" + id)) {
            long t0 = System.nanoTime();
            // the reader of the test above, for longer than it took there to be cut off
            long got = 0;
            while (System.nanoTime() - t0 < 9_000_000_000L) {
                long next = read(s, got, got + 16 * 1024, 16 * 1024, 250);
                assertThat(next).as("the connection is still there after %d bytes", got).isEqualTo(got + 16 * 1024);
                got = next;
            }
            System.out.println("MEASURED slow reader with minBytesPerSecond=0: read " + got + " bytes at ~64 KB/s "
                    + "for 9 s, not cut off");
            assertThat(ended(app, id)).as("the app is still writing").isEmpty();
        }
        // the client left: the app's write fails
        String end = await().atMost(Duration.ofSeconds(10)).until(() -> ended(app, id), Optional::isPresent).get();
        assertThat(end).contains(" failed ");
    }
}
