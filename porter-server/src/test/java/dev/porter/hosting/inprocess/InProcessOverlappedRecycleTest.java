package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.testing.ConcurrentClients;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlapped recycle in-process (issue #16 item 1): on a web.config change a fresh app domain starts beside the one
 * that serves, requests switch to it once its HttpServer runs, and the old domain drains and unloads.
 */
class InProcessOverlappedRecycleTest {

    private static final int START_DELAY_MS = 3_000;

    @TempDir
    Path dir;

    private final EventLog events = new EventLog();
    private Porter porter;
    private Path app;

    @AfterEach
    void stop() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            events.close();
        }
    }

    private void writeWebConfig(String version, String mode) {
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar " + mode,
                "hostingModel", "inprocess"), Map.of("TEST_START_DELAY_MS", Integer.toString(START_DELAY_MS),
                "CONFIG_VERSION", version));
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    /** {@code <uuid> <epoch ms when the domain's main began>} */
    private static long mainBeganMillis(String incarnation) {
        return Long.parseLong(incarnation.substring(incarnation.indexOf(' ') + 1));
    }

    @Test
    void underLoadAConfigChangeIsServedByTheOldDomainWhileTheNewOneStarts() throws Exception {
        app = dir.resolve("app");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        writeWebConfig("1", "serve");
        porter = Porter.start(TestApps.server(Map.of("/", app)));
        String first = get("/incarnation").bodyText();
        try (ConcurrentClients clients = new ConcurrentClients(porter.port(), "/incarnation", 64)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.samples().size() > 500);
            writeWebConfig("2", "serve");
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.samples().stream()
                    .anyMatch(s -> s.status() == 200 && !s.body().equals(first)));
            String second = clients.samples().stream().filter(s -> s.status() == 200)
                    .map(ConcurrentClients.Sample::body).filter(b -> !b.equals(first)).findFirst().orElseThrow();
            int seen = clients.samples().size();
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.samples().size() > seen + 500);
            clients.close();
            List<ConcurrentClients.Sample> samples = clients.samples();

            assertThat(samples).allSatisfy(s -> assertThat(s.status()).as(s.body()).isEqualTo(200));
            // The new domain cannot serve before START_DELAY_MS after its main began: what was sent meanwhile was
            // answered by the old domain, without waiting.
            long began = mainBeganMillis(second);
            List<ConcurrentClients.Sample> duringStart = samples.stream()
                    .filter(s -> s.sentMillis() > began + 100 && s.sentMillis() < began + 2_000).toList();
            assertThat(duringStart).isNotEmpty().allSatisfy(s -> assertThat(s.body()).isEqualTo(first));
            assertThat(samples.stream().map(ConcurrentClients.Sample::body).distinct()).containsOnly(first, second);
        }
        assertThat(get("/env?name=CONFIG_VERSION").bodyText()).isEqualTo("2");
        assertThat(events.messages()).anyMatch(m -> m.contains("was recycled due to configuration change (overlapped"));
    }

    @Test
    void aNewDomainThatFailsToStartLeavesTheOldOneServing() throws Exception {
        app = dir.resolve("app");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        writeWebConfig("1", "serve");
        porter = Porter.start(TestApps.server(Map.of("/", app)));
        String first = get("/incarnation").bodyText();
        writeWebConfig("2", "throw");
        await().atMost(Duration.ofSeconds(60)).until(() -> porter.hosting()
                .lastRecycleFailure("MACHINE/WEBROOT/APPHOST/Default Web Site").isPresent());
        assertThat(porter.hosting().lastRecycleFailure("MACHINE/WEBROOT/APPHOST/Default Web Site").orElseThrow()
                .message()).contains("The app refuses to start");
        assertThat(get("/incarnation").bodyText()).isEqualTo(first);
        assertThat(get("/env?name=CONFIG_VERSION").bodyText()).isEqualTo("1");
    }
}
