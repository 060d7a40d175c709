package dev.porter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.ChildJvm;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations options of the real {@code porter} command in a child JVM: {@code --log-dir} (Porter's own log to
 * a rolling file) and {@code --admin} (the admin endpoint).
 */
class OperationsCliTest {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("Admin endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private final List<ChildJvm> started = new ArrayList<>();

    /** A running {@code porter} child; its output (stdout and stderr together) in console-N.txt. */
    private ChildJvm porter(List<String> jvmOptions, String... args) throws IOException {
        List<String> options = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "--add-exports",
                "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED")); // as the jar manifest does
        options.addAll(jvmOptions);
        ChildJvm p = ChildJvm.start(dir.resolve("console-" + started.size() + ".txt"), options,
                "dev.porter.cli.PorterCommand", List.of(args));
        started.add(p);
        return p;
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (ChildJvm p : started) {
            p.close();
        }
    }

    @Test
    void logDirWritesARollingPorterLogAndKeepsWarningsOnStderr() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-version"), Map.of());
        Path logs = dir.resolve("logs");
        ChildJvm p = porter(List.of("-DPORTER_LOG_MAX_FILE_SIZE=4KB", "-DPORTER_LOG_LEVEL=DEBUG"),
                "run", app.toString(), "--port", "0", "--log-dir", logs.toString());
        int port = p.awaitNumber(logs.resolve("porter.log"), LISTENING);
        // Refused requests are logged (at DEBUG) one line each: enough of them, over more than the once-a-second size
        // check, roll the 4 KB file over into gzipped parts.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (int i = 0; i < 20; i++) {
                try (RawHttp http = new RawHttp(port)) {
                    http.exchange("GET /%zz HTTP/1.1\r\nHost: localhost\r\n\r\n");
                }
            }
            try (Stream<Path> files = Files.list(logs)) {
                return files.anyMatch(f -> f.getFileName().toString()
                        .matches("porter-\\d{4}-\\d\\d-\\d\\d\\.\\d+\\.log\\.gz"));
            }
        });
        assertThat(Files.readString(logs.resolve("porter.log"))).doesNotContain("Listening on"); // that part rolled
        p.process().toHandle().destroy(); // SIGTERM
        assertThat(p.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).isZero();
        assertThat(Files.readString(logs.resolve("porter.log"))).contains("Stopped");
        String console = Files.readString(dir.resolve("console-0.txt"));
        assertThat(console).doesNotContain("Listening on").doesNotContain("Rejected GET");
    }

    @Test
    void runServesTheAdminEndpointOnItsOwnPortAndHealthSaysServing() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-version"), Map.of());
        ChildJvm p = porter(List.of(), "run", app.toString(), "--port", "0", "--admin", "0");
        int admin = p.awaitNumber(ADMIN);
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        p.process().toHandle().destroy();
        assertThat(p.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).isZero();

        ChildJvm bad = porter(List.of(), "run", app.toString(), "--port", "0", "--admin", "70000");
        assertThat(bad.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.process().exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("console-1.txt"))).contains("--admin 70000 is out of range");
    }
}
