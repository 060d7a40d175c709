package dev.porter.server.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.AccessLog;
import dev.porter.testing.EchoHosting;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The W3C extended access log: what IIS users find in W3SVC<id>/u_ex<yyMMdd>.log, written through a real server. */
class W3cAccessLogTest {

    private static final String FIELDS = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port "
            + "cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken";

    @TempDir
    Path dir;

    @Test
    void writesIisDefaultFieldsForAnsweredAndRefusedRequests() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        Path logs = dir.resolve("logs");
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(new ServerConfig.Site("Logged", 3,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                List.of(new ServerConfig.Application("/", app)), new ServerConfig.LogFile(true, logs))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        EchoHosting echo = new EchoHosting();
        int port;
        try (Porter porter = Porter.start(config, ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, echo, HostingModel.IN_PROCESS, echo))) {
            port = porter.port();
            try (RawHttp http = new RawHttp(port)) {
                assertThat(http.exchange("GET /api/./x%20y?q=a+b&z=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: Mozilla/5.0 "
                        + "(X11; Linux x86_64)\r\nReferer: http://a/start page\r\n\r\n").status()).isEqualTo(200);
                assertThat(http.exchange("POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").status())
                        .isEqualTo(200);
            }
            // Each connection may run on another event loop: wait for a line before the next request, so that
            // the file's order is the requests' order (the log orders lines as they complete, not as they start).
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(logs.resolve("W3SVC3")).size() == 2);
            try (RawHttp http = new RawHttp(port)) {
                assertThat(http.exchange("POST /smuggle HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status()).isEqualTo(400);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(logs.resolve("W3SVC3")).size() == 3);
            try (RawHttp http = new RawHttp(port)) {
                // the client gives up halfway through its body: no response, IIS's win32 status 64
                http.send("PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
                await().atMost(Duration.ofSeconds(10)).until(() -> entries(logs.resolve("W3SVC3")).size() == 3);
            }
            Path siteDir = logs.resolve("W3SVC3");
            // the writer flushes as soon as its queue runs empty: the lines appear while the server runs
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(siteDir).size() == 4);
        }
        Path siteDir = logs.resolve("W3SVC3");
        List<Path> files = logFiles(siteDir);
        assertThat(files).hasSize(1);
        assertThat(files.getFirst().getFileName().toString()).matches("u_ex\\d{6}\\.log");
        List<String> lines = Files.readAllLines(files.getFirst());
        assertThat(lines.get(0)).startsWith("#Software: Porter ");
        assertThat(lines.get(1)).isEqualTo("#Version: 1.0");
        assertThat(lines.get(2)).matches("#Date: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");
        assertThat(lines.get(3)).isEqualTo(FIELDS);
        assertThat(Files.readString(files.getFirst())).contains("\r\n"); // IIS writes CRLF

        List<String[]> entries = entries(siteDir);
        String[] get = entries.get(0);
        assertThat(get).hasSize(15); // one per #Fields name: spaces inside fields are encoded
        assertThat(get[0]).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(get[0] + "T" + get[1] + "Z").satisfies(t ->
                assertThat(Duration.between(Instant.parse(t), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1)));
        assertThat(files.getFirst().getFileName().toString())
                .isEqualTo("u_ex" + get[0].substring(2).replace("-", "") + ".log"); // UTC date of the entries
        assertThat(List.of(get).subList(2, 14)).containsExactly("127.0.0.1", "GET", "/api/x+y", "q=a+b&z=1",
                String.valueOf(port), "-", "127.0.0.1", "Mozilla/5.0+(X11;+Linux+x86_64)", "http://a/start+page",
                "200", "0", "0");
        assertThat(Long.parseLong(get[14])).isBetween(0L, 10_000L);

        String[] post = entries.get(1);
        assertThat(List.of(post).subList(2, 14)).containsExactly("127.0.0.1", "POST", "/form", "-",
                String.valueOf(port), "-", "127.0.0.1", "-", "-", "200", "0", "0");

        String[] refused = entries.get(2);
        assertThat(List.of(refused).subList(3, 14)).containsExactly("POST", "/smuggle", "-", String.valueOf(port),
                "-", "127.0.0.1", "-", "-", "400", "0", "0");

        String[] abandoned = entries.get(3);
        assertThat(List.of(abandoned).subList(3, 14)).containsExactly("PUT", "/upload", "-", String.valueOf(port),
                "-", "127.0.0.1", "-", "-", "0", "0", "64");
    }

    @Test
    void isOffUnlessASiteEnablesIt() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig.Site site = new ServerConfig.Site("Quiet", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                List.of(new ServerConfig.Application("/", app)), new ServerConfig.LogFile(false, dir.resolve("logs")));
        assertThat(W3cAccessLog.forSites(List.of(site), InstantSource.system())).isSameAs(AccessLog.NONE);
        try (Porter porter = start(List.of(site), InstantSource.system())) {
            assertThat(RawHttp.get(porter.port(), "/").status()).isEqualTo(200);
        }
        assertThat(dir.resolve("logs")).doesNotExist();
    }

    @Test
    void rollsToANewFileEachUtcDayAndAppendsWithAFreshHeaderAfterARestart() throws Exception {
        SettableClock clock = new SettableClock("2026-03-01T23:59:59.500Z");
        Path w3svc = dir.resolve("logs/W3SVC9");
        try (Porter porter = start(List.of(loggedSite()), clock); RawHttp http = new RawHttp(porter.port())) {
            get(http, "/first");
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(w3svc).size() == 1);
            clock.set("2026-03-02T00:00:00.250Z");
            get(http, "/second");
            await().atMost(Duration.ofSeconds(10)).until(() -> entries(w3svc).size() == 2);
        }
        clock.set("2026-03-02T00:00:01.250Z");
        try (Porter restarted = start(List.of(loggedSite()), clock); RawHttp http = new RawHttp(restarted.port())) {
            get(http, "/third");
        }

        assertThat(requestsIn(w3svc.resolve("u_ex260301.log"))).containsExactly("#Software: Porter "
                + "development build", "#Version: 1.0", "#Date: 2026-03-01 23:59:59", FIELDS,
                "2026-03-01 23:59:59 GET /first");
        assertThat(requestsIn(w3svc.resolve("u_ex260302.log"))).containsExactly(
                "#Software: Porter development build", "#Version: 1.0", "#Date: 2026-03-02 00:00:00", FIELDS,
                "2026-03-02 00:00:00 GET /second",
                "#Software: Porter development build", "#Version: 1.0", "#Date: 2026-03-02 00:00:01", FIELDS,
                "2026-03-02 00:00:01 GET /third");
    }

    @Test
    void rollsOverHourlyWeeklyAndMonthlyWithIisFileNames() throws Exception {
        List<String> times = List.of("2026-03-01T10:59:59Z", "2026-03-01T11:00:00Z", "2026-03-08T00:00:00Z");
        for (ServerConfig.LogFile.Period period : List.of(ServerConfig.LogFile.Period.HOURLY,
                ServerConfig.LogFile.Period.WEEKLY, ServerConfig.LogFile.Period.MONTHLY)) {
            Path logs = dir.resolve(period.configValue());
            SettableClock clock = new SettableClock(times.getFirst());
            try (Porter porter = start(List.of(loggedSite(new ServerConfig.LogFile(true, logs, period,
                    ServerConfig.LogFile.DEFAULT_TRUNCATE_SIZE, false))), clock);
                    RawHttp http = new RawHttp(porter.port())) {
                for (int i = 0; i < times.size(); i++) {
                    clock.set(times.get(i));
                    get(http, "/at" + i);
                    int lines = i + 1;
                    await().atMost(Duration.ofSeconds(10)).until(() -> entries(logs.resolve("W3SVC9")).size() == lines);
                }
            }
            try (Stream<Path> files = Files.list(logs.resolve("W3SVC9"))) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                // 2026-03-01 is a Sunday: week 1 of March; 2026-03-08, the next Sunday, starts week 2
                assertThat(names).as(period.configValue()).containsExactly(switch (period) {
                    case HOURLY -> new String[] {"u_ex26030110.log", "u_ex26030111.log", "u_ex26030800.log"};
                    case WEEKLY -> new String[] {"u_ex260301.log", "u_ex260302.log"};
                    default -> new String[] {"u_ex2603.log"};
                });
            }
        }
    }

    @Test
    void maxSizeStartsANumberedFileAtTruncateSizeAndContinuesTheLastAfterARestart() throws Exception {
        ServerConfig.LogFile config = new ServerConfig.LogFile(true, dir.resolve("logs"),
                ServerConfig.LogFile.Period.MAX_SIZE, ServerConfig.LogFile.MIN_TRUNCATE_SIZE, false);
        // A 4000-character User-Agent makes each line ~4.1 KB: 650 requests are ~2.6 MB, two full files and part of
        // a third.
        String request = "GET /big HTTP/1.1\r\nHost: a\r\nUser-Agent: " + "x".repeat(4000) + "\r\n\r\n";
        Path w3svc = dir.resolve("logs/W3SVC9");
        try (Porter porter = start(List.of(loggedSite(config)), InstantSource.system());
                RawHttp http = new RawHttp(porter.port())) {
            for (int i = 0; i < 650; i++) {
                assertThat(http.exchange(request).status()).isEqualTo(200);
            }
        }
        long line = 4200;
        assertThat(Files.size(w3svc.resolve("u_extend1.log"))).isBetween(1_048_576L, 1_048_576L + line);
        assertThat(Files.size(w3svc.resolve("u_extend2.log"))).isBetween(1_048_576L, 1_048_576L + line);
        long third = Files.size(w3svc.resolve("u_extend3.log"));
        assertThat(third).isLessThan(1_048_576L);
        assertThat(entries(w3svc)).hasSize(650);

        try (Porter restarted = start(List.of(loggedSite(config)), InstantSource.system());
                RawHttp http = new RawHttp(restarted.port())) {
            get(http, "/after-restart");
        }
        assertThat(Files.size(w3svc.resolve("u_extend3.log"))).isGreaterThan(third);
        assertThat(requestsIn(w3svc.resolve("u_extend3.log")).getLast()).endsWith("GET /after-restart");
        assertThat(w3svc.resolve("u_extend4.log")).doesNotExist();
    }

    /**
     * A log whose file does not take lines (here a named pipe nobody reads yet, as a stuck disk would): requests are
     * still answered, the lines beyond the writer's queue (65,536) are dropped and counted, and the operator learns
     * how many from the server log once the writer catches up.
     */
    @Test
    void dropsAndCountsLinesBeyondTheQueueInsteadOfBlockingRequests() throws Exception {
        Path w3svc = Files.createDirectories(dir.resolve("logs/W3SVC9"));
        Path pipe = w3svc.resolve("u_ex260301.log");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo").isZero();
        int requests = 70_000;
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(W3cAccessLog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        CompletableFuture<Long> linesRead;
        try {
            try (Porter porter = start(List.of(loggedSite()), new SettableClock("2026-03-01T12:00:00Z"))) {
                assertThat(pipelined(porter.port(), requests)).isEqualTo(requests);
                // Every request was answered while the writer was stuck; now the pipe gets its reader.
                // Not Files.lines: for a file it trusts the size fstat gives when it opens, and on a pipe that is
                // what the pipe holds at that moment, so it stops there and closes the pipe under the writer.
                linesRead = CompletableFuture.supplyAsync(() -> {
                    try (BufferedReader reader = Files.newBufferedReader(pipe)) {
                        return reader.lines().filter(l -> l.contains(" GET /d ")).count();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            } // closing the server drains the queue into the pipe and closes it: the reader sees its end
            long written = linesRead.get(60, TimeUnit.SECONDS);
            long dropped = requests - written;
            // The writer took the first line and stuck opening the pipe, so the full queue holds the next 65,536: at
            // least that many are written and some are dropped. No tighter bound: a line is queued once its
            // response is written, so the last few can reach a queue the freed writer has already begun to empty.
            assertThat(written).isGreaterThanOrEqualTo(65_536L);
            assertThat(dropped).isPositive();
            assertThat(appender.list).map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .containsExactly("Access log: " + dropped + " line(s) dropped because the log writer fell behind "
                            + "(queue of 65536 lines full); " + dropped + " dropped since start");
        } finally {
            logger.detachAppender(appender);
        }
    }

    /** A wall clock the test moves: the server's, through {@link ServerEnvironment#withWallClock}. */
    private static final class SettableClock implements InstantSource {
        private final AtomicReference<Instant> now;

        SettableClock(String instant) {
            now = new AtomicReference<>(Instant.parse(instant));
        }

        void set(String instant) {
            now.set(Instant.parse(instant));
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    private Porter start(List<ServerConfig.Site> sites, InstantSource clock) throws IOException {
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), sites, RequestLimits.DEFAULTS,
                ServerConfig.WebLimits.DEFAULTS);
        EchoHosting echo = new EchoHosting();
        return Porter.start(config, ServerEnvironment.ofSystem().withWallClock(clock),
                Map.of(HostingModel.OUT_OF_PROCESS, echo, HostingModel.IN_PROCESS, echo));
    }

    private static void get(RawHttp http, String path) throws IOException {
        assertThat(http.exchange("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
    }

    /** Sends {@code count} pipelined GETs on one connection and counts the 200s that come back. */
    private static int pipelined(int port, int count) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                byte[] request = "GET /d HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                try {
                    OutputStream out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                    for (int i = 0; i < count; i++) {
                        out.write(request);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1), 64 * 1024);
            int ok = 0;
            for (int seen = 0; seen < count; ) {
                String line = in.readLine();
                if (line == null) {
                    break;
                }
                if (line.startsWith("HTTP/1.1 ")) {
                    seen++;
                    if (line.startsWith("HTTP/1.1 200 ")) {
                        ok++;
                    }
                }
            }
            sending.get(60, TimeUnit.SECONDS);
            return ok;
        }
    }

    /** A file's lines, each request line cut to its date, time, method and path (headers as they are). */
    private static List<String> requestsIn(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(l -> {
            if (l.startsWith("#")) {
                return l;
            }
            String[] f = l.split(" ");
            return f[0] + " " + f[1] + " " + f[3] + " " + f[4];
        }).toList();
    }

    private ServerConfig.Site loggedSite() throws IOException {
        return loggedSite(new ServerConfig.LogFile(true, dir.resolve("logs")));
    }

    private ServerConfig.Site loggedSite(ServerConfig.LogFile logFile) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        return new ServerConfig.Site("Logged", 9, List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                List.of(new ServerConfig.Application("/", app)), logFile);
    }

    private static List<Path> logFiles(Path siteDir) throws IOException {
        if (!Files.isDirectory(siteDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(siteDir)) {
            return files.sorted().toList();
        }
    }

    private static List<String[]> entries(Path siteDir) throws IOException {
        List<String[]> result = new java.util.ArrayList<>();
        for (Path file : logFiles(siteDir)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.startsWith("#")) {
                    result.add(line.split(" "));
                }
            }
        }
        return result;
    }
}
