package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.ConcurrentClients;
import dev.porter.testing.HostedApp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlapped recycle for a Servlet app, as for a JDK app (issue 12 item 5, IIS's default
 * {@code disallowOverlappingRotation="false"}): on a web.config change the new incarnation of a WAR deploys beside the
 * one that serves, requests switch to it once it serves, and the old one drains. The sample WAR is made to take 3 s to
 * start ({@code WEB-INF/slow-start}), so what is sent meanwhile can only have been answered by the old incarnation.
 */
class ServletOverlappedRecycleTest {

    private static final int START_DELAY_MS = 3_000;

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp(120_000);
    private Path app;

    private void writeWebConfig(String version) {
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-war site", "hostingModel",
                "inprocess", "startupTimeLimit", "120"), Map.of("CONFIG_VERSION", version));
    }

    @Test
    void underLoadAConfigChangeIsServedByTheOldIncarnationWhileTheNewOneDeploys() throws Exception {
        app = dir.resolve("app");
        Path site = WarInProcessTest.explode(app.resolve("site"));
        Files.writeString(site.resolve("WEB-INF/slow-start"), Integer.toString(START_DELAY_MS));
        writeWebConfig("1");
        hosted.start(TestApps.server(Map.of("/", app)));
        String path = "/env?name=CONFIG_VERSION";
        assertThat(hosted.get(path).bodyText()).isEqualTo("1|1");
        try (ConcurrentClients clients = new ConcurrentClients(hosted.porter().port(), path, 16)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.samples().size() > 200);
            writeWebConfig("2");
            await().atMost(Duration.ofSeconds(60)).until(() -> hosted.events().messages().stream()
                    .anyMatch(m -> m.contains("starting the new incarnation beside the running one")));
            long besideMillis = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(120)).until(() -> clients.samples().stream()
                    .anyMatch(s -> s.body().equals("2|2")));
            int seen = clients.samples().size();
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.samples().size() > seen + 200);
            clients.close();
            List<ConcurrentClients.Sample> samples = clients.samples();

            assertThat(samples).allSatisfy(s -> assertThat(s.status()).as(s.body()).isEqualTo(200));
            assertThat(samples.stream().map(ConcurrentClients.Sample::body).distinct()).containsOnly("1|1", "2|2");
            // The new incarnation sleeps START_DELAY_MS in its start: what was sent in the first second after it began
            // was answered by the old one, without waiting for the new one.
            assertThat(samples.stream().filter(s -> s.sentMillis() > besideMillis
                    && s.sentMillis() < besideMillis + 1_000)).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.body()).isEqualTo("1|1"));
        }
        assertThat(hosted.get(path).bodyText()).isEqualTo("2|2");
        assertThat(hosted.events().messages())
                .anyMatch(m -> m.contains("was recycled due to configuration change (overlapped"));
    }
}
