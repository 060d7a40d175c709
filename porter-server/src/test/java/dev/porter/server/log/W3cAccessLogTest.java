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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    void isOffUnlessASiteEnablesIt() {
        ServerConfig.Site site = new ServerConfig.Site("Quiet", 1,
                List.of(new ServerConfig.Binding("http", "*", 0, "")),
                List.of(new ServerConfig.Application("/", dir)), new ServerConfig.LogFile(false, dir.resolve("logs")));
        assertThat(W3cAccessLog.forSites(List.of(site))).isSameAs(AccessLog.NONE);
        assertThat(dir.resolve("logs")).doesNotExist();
    }

    @Test
    void rollsToANewFileEachUtcDayAndAppendsWithAFreshHeaderAfterARestart() throws Exception {
        long day1 = Instant.parse("2026-03-01T23:59:59.500Z").toEpochMilli();
        long day2 = Instant.parse("2026-03-02T00:00:00.250Z").toEpochMilli();
        W3cAccessLog log = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite()), 100, true);
        W3cAccessLog.SiteLog site = log.siteLog(9);
        log.enqueue(site, day1, "first");
        log.enqueue(site, day2, "second");
        log.close();
        W3cAccessLog restarted = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite()), 100, true);
        restarted.enqueue(restarted.siteLog(9), day2 + 1000, "third");
        restarted.close();

        Path w3svc = dir.resolve("logs/W3SVC9");
        assertThat(Files.readAllLines(w3svc.resolve("u_ex260301.log"))).containsExactly("#Software: Porter "
                + "development build", "#Version: 1.0", "#Date: 2026-03-01 23:59:59", FIELDS,
                "2026-03-01 23:59:59 first");
        assertThat(Files.readAllLines(w3svc.resolve("u_ex260302.log"))).containsExactly(
                "#Software: Porter development build", "#Version: 1.0", "#Date: 2026-03-02 00:00:00", FIELDS,
                "2026-03-02 00:00:00 second",
                "#Software: Porter development build", "#Version: 1.0", "#Date: 2026-03-02 00:00:01", FIELDS,
                "2026-03-02 00:00:01 third");
    }

    @Test
    void rollsOverHourlyWeeklyAndMonthlyWithIisFileNames() throws Exception {
        long[] times = {Instant.parse("2026-03-01T10:59:59Z").toEpochMilli(),
                Instant.parse("2026-03-01T11:00:00Z").toEpochMilli(),
                Instant.parse("2026-03-08T00:00:00Z").toEpochMilli()};
        for (ServerConfig.LogFile.Period period : List.of(ServerConfig.LogFile.Period.HOURLY,
                ServerConfig.LogFile.Period.WEEKLY, ServerConfig.LogFile.Period.MONTHLY)) {
            Path logs = dir.resolve(period.configValue());
            W3cAccessLog log = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite(new ServerConfig.LogFile(true,
                    logs, period, ServerConfig.LogFile.DEFAULT_TRUNCATE_SIZE, false))), 100, true);
            for (long t : times) {
                log.enqueue(log.siteLog(9), t, "at" + t);
            }
            log.close();
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
        String fields = "x".repeat(1000);
        W3cAccessLog log = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite(config)), 10_000, true);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 2500; i++) { // ~2.5 MB: two full files and part of a third
            log.enqueue(log.siteLog(9), now, fields);
        }
        log.close();
        Path w3svc = dir.resolve("logs/W3SVC9");
        assertThat(Files.size(w3svc.resolve("u_extend1.log"))).isBetween(1_048_576L, 1_048_576L + 1100);
        assertThat(Files.size(w3svc.resolve("u_extend2.log"))).isBetween(1_048_576L, 1_048_576L + 1100);
        long third = Files.size(w3svc.resolve("u_extend3.log"));
        assertThat(third).isLessThan(1_048_576L);

        W3cAccessLog restarted = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite(config)), 100, true);
        restarted.enqueue(restarted.siteLog(9), now, "after restart");
        restarted.close();
        assertThat(Files.size(w3svc.resolve("u_extend3.log"))).isGreaterThan(third);
        assertThat(w3svc.resolve("u_extend4.log")).doesNotExist();
    }

    @Test
    void dropsAndCountsLinesBeyondTheQueueInsteadOfBlocking() throws Exception {
        // The writer is not started, as if stuck on a slow disk: offers must return at once, the excess counted.
        W3cAccessLog log = (W3cAccessLog) W3cAccessLog.forSites(List.of(loggedSite()), 3, false);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            log.enqueue(log.siteLog(9), now, "line" + i);
        }
        // The operator learns of the drops from the server log once the writer catches up.
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(W3cAccessLog.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            log.close(); // drains what was queued
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .containsExactly("Access log: 2 line(s) dropped because the log writer fell behind (queue of 3 lines "
                        + "full); 2 dropped since start");
        try (Stream<Path> files = Files.list(dir.resolve("logs/W3SVC9"))) {
            List<String> lines = Files.readAllLines(files.findFirst().orElseThrow());
            assertThat(lines.stream().filter(l -> !l.startsWith("#")).map(l -> l.substring(20)))
                    .containsExactly("line0", "line1", "line2");
        }
    }

    private ServerConfig.Site loggedSite() {
        return loggedSite(new ServerConfig.LogFile(true, dir.resolve("logs")));
    }

    private ServerConfig.Site loggedSite(ServerConfig.LogFile logFile) {
        return new ServerConfig.Site("Logged", 9, List.of(new ServerConfig.Binding("http", "*", 0, "")),
                List.of(new ServerConfig.Application("/", dir)), logFile);
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
