package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children never outlive the server (DESIGN.md), even when the server JVM is killed with SIGKILL and has no chance to
 * stop them: Porter runs as a child JVM through the CLI, starts a backend, and is killed.
 */
class ServerKilledTest {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private Process server;
    private final java.util.List<Long> pids = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void cleanUp() {
        if (server != null) {
            server.toHandle().destroyForcibly();
        }
        // after the server's death its children are no longer ours to find: kill by the pids the test saw
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
    }

    @Test
    void aBackendAndItsChildrenDieWithAServerKilledBySigkill() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        server = new ProcessBuilder(TestApps.javaExecutable(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.porter.cli.PorterCommand", "run", app.toString(),
                "--port", "0")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (java.io.IOException e) {
                // the server is gone
            }
            port.completeExceptionally(new IllegalStateException("the server never said where it listens"));
        });
        int serverPort = port.get(60, TimeUnit.SECONDS);
        RawHttp.Response r = Backends.get(serverPort, "/pid");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        long backend = Long.parseLong(r.bodyText());
        pids.add(backend);
        long grandchild = Long.parseLong(Backends.get(serverPort, "/spawn").bodyText());
        pids.add(grandchild);
        assertThat(ProcessHandle.of(backend).flatMap(p -> p.parent()).map(ProcessHandle::pid))
                .contains(server.pid());
        assertThat(Backends.alive(backend)).isTrue();

        server.toHandle().destroyForcibly(); // SIGKILL: no shutdown hook, no graceful stop
        server.waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> !Backends.alive(backend));
        // the backend's own child is in its process group, which the watchdog kills when the server's pipe closes
        await().atMost(Duration.ofSeconds(10)).until(() -> !Backends.alive(grandchild));
    }
}
