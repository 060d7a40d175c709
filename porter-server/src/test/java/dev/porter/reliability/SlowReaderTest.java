package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * every byte; one below it is cut after the grace; with {@code minBytesPerSecond="0"} that reader is left alone; an
 * HTTP/2 (h2c) client that stops reading loses its connection (see that test for what closes it today). Raw sockets with a 64 KiB receive
 * buffer, so that what the client does not read backs up quickly.
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

    /**
     * The state of this JVM's TCP socket bound to {@code localPort}, as {@code /proc/net/tcp} (or tcp6) shows it
     * ({@code 01} established, {@code 07} closed), or null. A client that reads nothing sees a reset only there.
     */
    private static String tcpState(int localPort) throws IOException {
        String port = String.format(":%04X", localPort);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) { // a dual-stack socket is listed in tcp6
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(port)) {
                    return f[3];
                }
            }
        }
        return null;
    }

    /**
     * An HTTP/2 (h2c) client that opens every flow-control window wide, so that only TCP could hold the server back,
     * then stops reading its connection: it loses the connection within a few seconds and never gets the body, while
     * others are served. What closes it today is not MinSendRateHandler: with windows this wide Porter takes the whole
     * response from the backend into HTTP/2 flow control (the app's write ends "ok"), the stream is given up, and the
     * idle connection is closed after connectionTimeout (RELIABILITY.md, Known gaps). The response is kept small for
     * that reason. The MEASURED line says what the app saw.
     */
    @Test
    void anHttp2ClientThatStopsReadingLosesItsConnection() throws Exception {
        String app = "oop";
        assertOthersServedPromptly(limited, app);
        String id = "h2" + IDS.incrementAndGet();
        long total = 32L * 1024 * 1024;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 64 * 1024)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().initialSettings(
                                    Http2Settings.defaultSettings().initialWindowSize(Integer.MAX_VALUE)).build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    }).connect("127.0.0.1", limited.port()).sync().channel();
            connection.writeAndFlush(new DefaultHttp2WindowUpdateFrame(Integer.MAX_VALUE - 65_535)).sync();
            CompletableFuture<String> status = new CompletableFuture<>();
            AtomicLong dataBytes = new AtomicLong();
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof Http2HeadersFrame headers && !status.isDone()) {
                                // the response has started: from now on the client reads nothing (the stream
                                // too: a stream channel that wants to read asks its connection to)
                                ctx.channel().config().setAutoRead(false);
                                ctx.channel().parent().config().setAutoRead(false);
                                status.complete(String.valueOf(headers.headers().status()));
                            } else if (msg instanceof Http2DataFrame data) {
                                dataBytes.addAndGet(data.content().readableBytes());
                            }
                            ReferenceCountUtil.release(msg);
                        }
                    }).open().sync().getNow();
            DefaultHttp2Headers request = new DefaultHttp2Headers();
            request.method("GET").path("/" + app + "/big?kb=" + total / 1024 + "&id=" + id).scheme("http")
                    .authority("a");
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(request, true));
            assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo("200");
            long stoppedAt = System.nanoTime();
            int localPort = ((InetSocketAddress) connection.localAddress()).getPort();
            assertThat(tcpState(localPort)).isEqualTo("01");
            assertOthersServedPromptly(limited, app);
            await().atMost(Duration.ofSeconds(20)).until(() -> !"01".equals(tcpState(localPort)));
            long cutMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
            System.out.println("MEASURED slow reader (HTTP/2, oop): a client that stopped reading its connection lost "
                    + "it " + cutMillis + " ms later (connectionTimeout 3 s); the app: " + ended(app, id).orElse("-"));
            assertThat(cutMillis).isBetween(CONNECTION_TIMEOUT_MILLIS - 500, CONNECTION_TIMEOUT_MILLIS + 7_000);
            // reading again: what was on its way, then the end of the connection, never the whole body
            stream.config().setAutoRead(true);
            connection.config().setAutoRead(true);
            assertThat(connection.closeFuture().await(10, TimeUnit.SECONDS)).as("the connection was closed").isTrue();
            assertThat(dataBytes.get()).isLessThan(total);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
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
