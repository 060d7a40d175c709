package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.ConcurrentClients;
import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beyond ANCM (issue #16 item 3): {@code processesPerApplication} balanced by least outstanding requests, and failed
 * starts backing off so that a broken app under load costs a handful of launches.
 */
class BalancingAndBackoffTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    private Path app;

    private void start(Map<String, String> attributes) throws IOException {
        app = dir.resolve("app");
        hosted.start(app, attributes);
    }

    @Test
    void aBusyProcessGetsNoNewRequestsWhileAnotherIsIdle() throws Exception {
        start(Backends.attributes(List.of(), "processesPerApplication", "2"));
        Set<String> pids = new HashSet<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            pids.add(hosted.get("/pid").bodyText());
            return pids.size() == 2;
        });
        try (RawHttp streaming = new RawHttp("127.0.0.1", hosted.porter().port(), 60_000)) {
            // A response that streams for a while: once its head is here, the request is outstanding on one process.
            streaming.send("GET /stream?chunks=40&delayMs=250 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(new String(streaming.readBytes(12), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
            List<String> answered = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answered.add(hosted.get("/pid").bodyText());
            }
            // round-robin would have sent half of them to the busy process
            assertThat(answered).containsOnly(answered.getFirst());
            assertThat(pids).contains(answered.getFirst());
        }
    }

    @Test
    void aBrokenAppUnderLoadCostsAHandfulOfLaunchesAndAConfigChangeStartsAfresh() throws Exception {
        start(Backends.attributes(List.of("--exit-at-start=3")));
        long t0 = System.nanoTime();
        List<ConcurrentClients.Sample> samples;
        try (ConcurrentClients clients = new ConcurrentClients(hosted.porter().port(), "/", 32)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> System.nanoTime() - t0 > 6_000_000_000L
                    && hosted.events().events(1020).size() >= 2);
            clients.close();
            samples = clients.samples();
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        int launches = hosted.events().events(1000).size();
        System.out.println("MEASURED broken app under 32 clients: " + samples.size() + " requests, " + launches
                + " launches, " + hosted.events().events(1020).size() + " failed starts in " + seconds + " s");
        assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.status()).as(s.body()).isEqualTo(502));
        // Each failed start is two launches (ANCM's retry); backoff 1 s, 2 s, 4 s, ... between starts. Without it
        // every request that arrives after a failure starts again: hundreds of launches in these seconds.
        int startsAllowed = 1 + (int) Math.ceil(Math.log(seconds + 1) / Math.log(2));
        assertThat(launches).isLessThanOrEqualTo(2 * (startsAllowed + 1));
        assertThat(hosted.events().messages()).anyMatch(m -> m.contains("failed to start 2 time(s) in a row; requests "
                + "get 502.5 and the next start is tried in 2000 ms at the earliest"));

        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.get("/pid").status() == 200);
    }
}
