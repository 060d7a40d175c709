package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.testing.ConcurrentClients;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beyond ANCM (issue #16 item 3): {@code processesPerApplication} balanced by least outstanding requests, and failed
 * starts backing off so that a broken app under load costs a handful of launches.
 */
class BalancingAndBackoffTest {

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final EventLog events = new EventLog();
    private Porter porter;
    private Path app;

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            events.close();
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private void start(Map<String, String> attributes) throws IOException {
        app = dir.resolve("app");
        TestApps.writeWebConfig(app, attributes, Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", app)));
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    @Test
    void aBusyProcessGetsNoNewRequestsWhileAnotherIsIdle() throws Exception {
        start(Backends.attributes(List.of(), "processesPerApplication", "2"));
        Set<String> pids = new HashSet<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            pids.add(get("/pid").bodyText());
            return pids.size() == 2;
        });
        try (RawHttp streaming = new RawHttp("127.0.0.1", porter.port(), 60_000)) {
            // A response that streams for a while: once its head is here, the request is outstanding on one process.
            streaming.send("GET /stream?chunks=40&delayMs=250 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(new String(streaming.readBytes(12), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
            List<String> answered = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answered.add(get("/pid").bodyText());
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
        try (ConcurrentClients clients = new ConcurrentClients(porter.port(), "/", 32)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> System.nanoTime() - t0 > 6_000_000_000L
                    && events.events(1020).size() >= 2);
            clients.close();
            samples = clients.samples();
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        int launches = events.events(1000).size();
        System.out.println("MEASURED broken app under 32 clients: " + samples.size() + " requests, " + launches
                + " launches, " + events.events(1020).size() + " failed starts in " + seconds + " s");
        assertThat(samples).isNotEmpty().allSatisfy(s -> assertThat(s.status()).as(s.body()).isEqualTo(502));
        // Each failed start is two launches (ANCM's retry); backoff 1 s, 2 s, 4 s, ... between starts. Without it
        // every request that arrives after a failure starts again: hundreds of launches in these seconds.
        int startsAllowed = 1 + (int) Math.ceil(Math.log(seconds + 1) / Math.log(2));
        assertThat(launches).isLessThanOrEqualTo(2 * (startsAllowed + 1));
        assertThat(events.messages()).anyMatch(m -> m.contains("failed to start 2 time(s) in a row; requests get "
                + "502.5 and the next start is tried in 2000 ms at the earliest"));

        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/pid").status() == 200);
    }
}
