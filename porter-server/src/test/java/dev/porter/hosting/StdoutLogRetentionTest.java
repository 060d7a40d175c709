package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.HostedApp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stdout log files of an application are pruned when a new one is opened (beyond ANCM, which keeps them all): the
 * newest {@code stdoutLogMaxFiles}, or as many as fit in {@code stdoutLogMaxTotalSize} bytes; other files are left
 * alone. Driven end to end: a real Porter starts an out-of-process TestBackend whose web.config asks for it.
 */
class StdoutLogRetentionTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    private Path app(String handlerSettings) throws Exception {
        Path app = dir.resolve("app");
        Map<String, String> attributes = Backends.attributes(List.of("--say=hello-from-the-backend"));
        Files.createDirectories(app.resolve("logs"));
        Files.writeString(app.resolve("web.config"), "<configuration><system.webServer>\n<aspNetCore processPath=\""
                + attributes.get("processPath") + "\" arguments=\"" + attributes.get("arguments") + "\" "
                + "hostingModel=\"outofprocess\" stdoutLogEnabled=\"true\" stdoutLogFile=\".\\logs\\stdout\">\n"
                + "<handlerSettings>" + handlerSettings + "</handlerSettings>\n</aspNetCore>\n"
                + "</system.webServer></configuration>\n");
        // Logs of earlier runs, oldest first, 1000 bytes each; and a file that is not one of them.
        for (int i = 0; i < 5; i++) {
            Path old = app.resolve("logs/stdout_2026010100000" + i + "_4242.log");
            Files.writeString(old, "x".repeat(1000));
            Files.setLastModifiedTime(old, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)));
        }
        Files.writeString(app.resolve("logs/other.log"), "not a stdout log");
        return app;
    }

    private List<String> logs(Path app) throws Exception {
        try (Stream<Path> files = Files.list(app.resolve("logs"))) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private String newLog(Path app) throws Exception {
        return logs(app).stream().filter(n -> n.startsWith("stdout_") && !n.endsWith("_4242.log")).findFirst()
                .orElseThrow();
    }

    @Test
    void keepsTheNewestFilesAStartOpens() throws Exception {
        Path app = app("<handlerSetting name=\"stdoutLogMaxFiles\" value=\"3\" />");
        hosted.start(TestApps.server(Map.of("/", app)));
        assertThat(Backends.get(hosted.porter().port(), "/pid").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logs(app)).hasSize(4));
        assertThat(logs(app)).containsExactly("other.log", "stdout_20260101000003_4242.log",
                "stdout_20260101000004_4242.log", newLog(app));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Files.readString(app.resolve("logs").resolve(newLog(app))))
                        .contains("hello-from-the-backend"));
    }

    @Test
    void keepsTheNewestFilesThatFitInATotalSize() throws Exception {
        Path app = app("<handlerSetting name=\"stdoutLogMaxFiles\" value=\"0\" />"
                + "<handlerSetting name=\"stdoutLogMaxTotalSize\" value=\"2500\" />");
        hosted.start(TestApps.server(Map.of("/", app)));
        assertThat(Backends.get(hosted.porter().port(), "/pid").status()).isEqualTo(200);
        // the new file is (nearly) empty when the start prunes: two old files of 1000 bytes fit beside it
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logs(app)).containsExactly("other.log",
                "stdout_20260101000003_4242.log", "stdout_20260101000004_4242.log", newLog(app)));
    }

    @Test
    void defaultsToTheNewestTenAndIgnoresABadValueWithAWarning() throws Exception {
        Path app = app("<handlerSetting name=\"stdoutLogMaxFiles\" value=\"many\" />");
        for (int i = 0; i < 10; i++) {
            Files.writeString(app.resolve("logs/stdout_2025010100000" + i + "_4141.log"), "y");
            Files.setLastModifiedTime(app.resolve("logs/stdout_2025010100000" + i + "_4141.log"),
                    FileTime.from(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i)));
        }
        hosted.start(TestApps.server(Map.of("/", app)));
        assertThat(Backends.get(hosted.porter().port(), "/pid").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logs(app)).hasSize(11));
        assertThat(logs(app)).contains("other.log", "stdout_20260101000000_4242.log")
                .doesNotContain("stdout_20250101000004_4141.log");
    }
}
