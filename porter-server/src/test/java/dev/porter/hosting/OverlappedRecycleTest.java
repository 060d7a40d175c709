package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.ConcurrentClients;
import dev.porter.testing.HostedApp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlapped recycle out-of-process (issue #16 item 1): on a web.config change the new process starts while the old
 * one serves, requests switch to it once it is ready, and the old one is drained; {@code disallowOverlappingRotation}
 * keeps ANCM's stop-then-start; a new process that fails to start leaves the old one serving.
 */
class OverlappedRecycleTest {

    /** The backend sleeps this long before it listens: a slow-starting app. */
    private static final int START_DELAY_MS = 3_000;
    private static final int CLIENTS = 64;

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    private Path app;

    private void start(boolean disallowOverlappingRotation) throws IOException {
        app = dir.resolve("app");
        writeWebConfig("1", List.of("--startup-delay-ms=" + START_DELAY_MS));
        ServerConfig plain = TestApps.server(Map.of("/", app));
        ServerConfig.Site site = plain.sites().getFirst();
        hosted.start(new ServerConfig(plain.file(), List.of(new ServerConfig.Site(site.name(), site.id(),
                site.bindings(), List.of(new ServerConfig.Application("/", app.toAbsolutePath(), false,
                        disallowOverlappingRotation)), site.logFile())),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS));
    }

    private void writeWebConfig(String version, List<String> options) {
        TestApps.writeWebConfig(app, Backends.attributes(options), Map.of("CONFIG_VERSION", version));
    }

    private static long launchedAtMillis(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(Instant::toEpochMilli)
                .orElseThrow(() -> new AssertionError("process " + pid + " is not running"));
    }

    @Test
    void underLoadAConfigChangeIsServedByTheOldProcessWhileTheNewOneStarts() throws Exception {
        start(false);
        long first = hosted.pid();
        List<ConcurrentClients.Sample> samples;
        long second;
        try (ConcurrentClients clients = new ConcurrentClients(hosted.porter().port(), "/pid", CLIENTS)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.samples().size() > 500);
            writeWebConfig("2", List.of("--startup-delay-ms=" + START_DELAY_MS));
            await().atMost(Duration.ofSeconds(60)).until(() -> clients.samples().stream()
                    .anyMatch(s -> s.status() == 200 && !s.body().equals(Long.toString(first))));
            second = clients.samples().stream().filter(s -> s.status() == 200)
                    .map(s -> Long.parseLong(s.body())).filter(p -> p != first).findFirst().orElseThrow();
            long newLaunch = launchedAtMillis(second);
            int seen = clients.samples().size();
            await().atMost(Duration.ofSeconds(30)).until(() -> clients.samples().size() > seen + 500);
            clients.close();
            samples = clients.samples();

            // Every request was answered 2xx: the recycle cost nothing.
            assertThat(samples).allSatisfy(s -> assertThat(s.status()).as(s.body()).isEqualTo(200));
            // Requests sent while the new process was starting (it cannot listen before START_DELAY_MS after its
            // launch) were answered by the old one at once instead of waiting for the new one.
            List<ConcurrentClients.Sample> duringStart = samples.stream()
                    .filter(s -> s.sentMillis() > newLaunch + 100 && s.sentMillis() < newLaunch + 2_000).toList();
            assertThat(duringStart).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.body()).isEqualTo(Long.toString(first)));
        }
        assertThat(hosted.get("/env/CONFIG_VERSION").bodyText()).isEqualTo("2");
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(first));
        // Both processes' events are there. Their order is not asserted: the start's event is written by the start's
        // bookkeeping after the process is ready (the first requests go before it), so on a loaded machine it can
        // follow the old process's shutdown message; that the new one served before the old one stopped is what the
        // samples above show.
        List<String> messages = hosted.events().messages();
        assertThat(indexOf(messages, "started process '" + second + "'")).isNotNegative();
        assertThat(indexOf(messages, "Sent shutdown HTTP message to process with Id '" + first + "'")).isNotNegative();
        assertThat(messages).anyMatch(m -> m.contains("was recycled due to configuration change (overlapped"));
        assertThat(hosted.porter().hosting().lastRecycleFailure("MACHINE/WEBROOT/APPHOST/Default Web Site")).isEmpty();
    }

    @Test
    void disallowOverlappingRotationStopsTheOldProcessBeforeStartingTheNewOne() throws Exception {
        start(true);
        long first = hosted.pid();
        writeWebConfig("2", List.of("--startup-delay-ms=" + START_DELAY_MS));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(first));
        long second = hosted.pid();
        assertThat(second).isNotEqualTo(first);
        List<String> messages = hosted.events().messages();
        int oldShutdown = indexOf(messages, "Sent shutdown HTTP message to process with Id '" + first + "'");
        int newStarted = indexOf(messages, "started process '" + second + "'");
        assertThat(oldShutdown).isNotNegative().isLessThan(newStarted);
        assertThat(messages).noneMatch(m -> m.contains("overlapped"));
    }

    @Test
    void aNewProcessThatFailsToStartLeavesTheOldOneServingAndTheFailureIsKept() throws Exception {
        start(false);
        long first = hosted.pid();
        writeWebConfig("2", List.of("--exit-at-start=3"));
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.porter().hosting()
                .lastRecycleFailure("MACHINE/WEBROOT/APPHOST/Default Web Site").isPresent());
        RecycleFailure failure = hosted.porter().hosting()
                .lastRecycleFailure("MACHINE/WEBROOT/APPHOST/Default Web Site").orElseThrow();
        assertThat(failure.message()).contains("failed to start process");
        assertThat(hosted.events().messages()).anyMatch(m -> m.contains("the new incarnation failed to start after "
                + "configuration change; the running one keeps serving"));
        assertThat(hosted.pid()).isEqualTo(first);
        assertThat(hosted.get("/env/CONFIG_VERSION").bodyText()).isEqualTo("1");

        writeWebConfig("3", List.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.get("/env/CONFIG_VERSION").bodyText().equals("3"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(first));
    }

    @Test
    void aFixedAspNetCorePortFallsBackToStopThenStart() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // chosen by the OS; the app listens on it from now on
        }
        start(false);
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of("ASPNETCORE_PORT", Integer.toString(port),
                "CONFIG_VERSION", "2"));
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.get("/env/CONFIG_VERSION").bodyText().equals("2"));
        long first = hosted.pid();
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of("ASPNETCORE_PORT", Integer.toString(port),
                "CONFIG_VERSION", "3"));
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.get("/env/CONFIG_VERSION").bodyText().equals("3"));
        assertThat(hosted.pid()).isNotEqualTo(first);
        assertThat(hosted.events().messages()).anyMatch(m -> m.contains("(stopped first: a fixed ASPNETCORE_PORT "
                + "cannot be listened on by two processes)"));
    }

    /**
     * A server stop waits for the process a recycle retired. Here that process answers the shutdown message but goes on
     * running, so only its kill after {@code shutdownTimeLimit} ends it; a stop that returned first would let the
     * server's exit cut its stop short (in production) and leave it running (here).
     */
    @Test
    void aServerStopWaitsForTheProcessARecycleRetired() throws Exception {
        app = dir.resolve("app");
        hosted.start(app, Backends.attributes(List.of("--ignore-shutdown"), "shutdownTimeLimit", "10"));
        long first = hosted.pid();
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "shutdownTimeLimit", "10"),
                Map.of("CONFIG_VERSION", "2"));
        await().atMost(Duration.ofSeconds(60)).until(() -> hosted.pid() != first);
        String retired = "Sent shutdown HTTP message to process with Id '" + first + "'";
        await().atMost(Duration.ofSeconds(30)).until(() -> indexOf(hosted.events().messages(), retired) >= 0);
        assertThat(Backends.alive(first)).as("the retired process, which ignores the shutdown message").isTrue();

        hosted.porter().stop();

        assertThat(Backends.alive(first)).as("the retired process, once the server's stop has returned").isFalse();
    }

    private static int indexOf(List<String> messages, String part) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
