package dev.porter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.regex.Matcher;
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

    private final List<Process> started = new ArrayList<>();

    private Process porter(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(TestApps.javaExecutable(), "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED")); // as the jar manifest does
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.porter.cli.PorterCommand"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("console-" + started.size() + ".txt").toFile()).start();
        started.add(p);
        return p;
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int awaitPort(Path file, Pattern pattern, Process p) {
        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive()
                || (Files.exists(file) && pattern.matcher(Files.readString(file)).find()));
        try {
            Matcher m = pattern.matcher(Files.readString(file));
            assertThat(m.find()).as("%s:\n%s", file, Files.readString(file)).isTrue();
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void logDirWritesARollingPorterLogAndKeepsWarningsOnStderr() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-version"), Map.of());
        Path logs = dir.resolve("logs");
        Process p = porter(List.of("-DPORTER_LOG_MAX_FILE_SIZE=4KB", "-DPORTER_LOG_LEVEL=DEBUG"),
                "run", app.toString(), "--port", "0", "--log-dir", logs.toString());
        int port = awaitPort(logs.resolve("porter.log"), LISTENING, p);
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
        p.toHandle().destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(logs.resolve("porter.log"))).contains("Stopped");
        String console = Files.readString(dir.resolve("console-0.txt"));
        assertThat(console).doesNotContain("Listening on").doesNotContain("Rejected GET");
    }

    @Test
    void runServesTheAdminEndpointOnItsOwnPortAndHealthSaysServing() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-version"), Map.of());
        Process p = porter(List.of(), "run", app.toString(), "--port", "0", "--admin", "0");
        Path console = dir.resolve("console-0.txt");
        int admin = awaitPort(console, ADMIN, p);
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        p.toHandle().destroy();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        Process bad = porter(List.of(), "run", app.toString(), "--port", "0", "--admin", "70000");
        assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("console-1.txt"))).contains("--admin 70000 is out of range");
    }
}
