package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.hosting.outofprocess.OutOfProcessHosting;
import dev.porter.server.Exchange;
import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application's lifecycle at the module level, end to end with real out-of-process backends: app_offline.htm
 * (spec §6), web.config change and hosting-model switch (§8), configuration errors (§4).
 */
class ApplicationLifecycleTest {

    private final TestThreads threads = new TestThreads();

    private static final byte[] OFFLINE = "The app is offline.\r\n<p>caf\u00e9</p>\u0000\u00ff"
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    private Path app;

    /** Runs before the fixture stops Porter: client threads a failed test left running go first. */
    @AfterEach
    void stopClients() {
        threads.close();
    }

    /** Real out-of-process hosting; in-process replaced by a marker so the switch is visible whatever it becomes. */
    private void start(Map<String, String> attributes) throws IOException {
        app = dir.resolve("app");
        TestApps.writeWebConfig(app, attributes, Map.of());
        HostingModelFactory inProcessMarker = context -> new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                exchange.respond(HttpResponseStatus.OK, "text/plain",
                        "in-process marker".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
        hosted.start(() -> Porter.start(TestApps.server(Map.of("/", app)), ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, new OutOfProcessHosting(), HostingModel.IN_PROCESS,
                        inProcessMarker)));
    }

    @Test
    void appOfflineStopsTheAppGracefullyServesTheFileAndItsRemovalStartsTheAppAgain() throws Exception {
        start(Backends.attributes(List.of()));
        long first = hosted.pid();
        Files.write(app.resolve("app_offline.htm"), OFFLINE);
        await().atMost(Duration.ofSeconds(10)).until(() -> hosted.get("/pid").status() == 503);
        RawHttp.Response offline = hosted.get("/anything");
        assertThat(offline.status()).isEqualTo(503);
        assertThat(offline.header("Content-Type")).contains("text/html");
        assertThat(offline.body()).isEqualTo(OFFLINE);
        await().atMost(Duration.ofSeconds(15)).until(() -> !Backends.alive(first));
        assertThat(hosted.events().events(1006)).contains("Sent shutdown HTTP message to process with Id '" + first
                + "' and received http status '202'.");
        assertThat(hosted.events().messages())
                .anyMatch(m -> m.endsWith("was recycled after detecting app_offline.htm."));

        Files.delete(app.resolve("app_offline.htm"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 200);
        assertThat(hosted.pid()).isNotEqualTo(first);
    }

    @Test
    void appOfflineMatchesInAnyCaseAndAlreadyPresentAtStartMeansNoProcess() throws Exception {
        Path dirApp = dir.resolve("app");
        Files.createDirectories(dirApp);
        Files.write(dirApp.resolve("APP_Offline.HTM"), OFFLINE);
        start(Backends.attributes(List.of()));
        RawHttp.Response r = hosted.get("/");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).isEqualTo(OFFLINE);
        assertThat(hosted.backends().started()).isEmpty();
        Files.delete(dirApp.resolve("APP_Offline.HTM"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 200);
    }

    @Test
    void togglingAppOfflineFiveTimesUnderLoadYieldsOnly200And503() throws Exception {
        start(Backends.attributes(List.of()));
        hosted.pid();
        AtomicBoolean running = new AtomicBoolean(true);
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicInteger requests = new AtomicInteger();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            clients.add(threads.run(() -> {
                RawHttp http = null;
                try {
                    while (running.get()) {
                        if (http == null) {
                            http = new RawHttp("127.0.0.1", hosted.porter().port(), 30_000);
                        }
                        RawHttp.Response r = http.exchange("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
                        statuses.add(r.status());
                        requests.incrementAndGet();
                        if (r.status() != 200 && r.status() != 503) {
                            problems.add(r.status() + " " + r.bodyText());
                        }
                        if (r.header("Connection").map("close"::equalsIgnoreCase).orElse(false)) {
                            http.close();
                            http = null;
                        }
                    }
                } catch (IOException e) {
                    problems.add(e.toString());
                } finally {
                    if (http != null) {
                        try {
                            http.close();
                        } catch (IOException e) {
                            // done anyway
                        }
                    }
                }
            }));
        }
        Path offline = app.resolve("app_offline.htm");
        for (int i = 0; i < 5; i++) {
            Files.write(offline, OFFLINE);
            await().atMost(Duration.ofSeconds(15)).until(() -> hosted.get("/pid").status() == 503);
            Files.delete(offline);
            await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 200);
        }
        running.set(false);
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        System.out.println("MEASURED app_offline toggled 5x under load: " + requests.get() + " requests, statuses "
                + statuses);
        assertThat(problems).isEmpty();
        assertThat(statuses).containsExactlyInAnyOrder(200, 503);
    }

    @Test
    void touchingWebConfigRecyclesTheAppWithNewProcesses() throws Exception {
        start(Backends.attributes(List.of()));
        long first = hosted.pid();
        Files.setLastModifiedTime(app.resolve("web.config"), FileTime.from(Instant.now().plusSeconds(5)));
        await().atMost(Duration.ofSeconds(15)).until(() -> !Backends.alive(first));
        long second = hosted.pid();
        assertThat(second).isNotEqualTo(first);
        assertThat(hosted.events().messages()).anyMatch(m -> m.contains("was recycled due to configuration change"));
    }

    @Test
    void aHostingModelChangeSwitchesHandlersWithoutRestartingTheServer() throws Exception {
        start(Backends.attributes(List.of()));
        long first = hosted.pid();
        int port = hosted.porter().port();
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "hostingModel", "InProcess"), Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> hosted.get("/").bodyText().equals("in-process marker"));
        await().atMost(Duration.ofSeconds(15)).until(() -> !Backends.alive(first));
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "hostingModel", "outofprocess"), Map.of());
        // Until the debounced change is applied, the in-process app still answers (200, its marker): wait for a pid.
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").bodyText().matches("\\d+"));
        assertThat(hosted.pid()).isNotEqualTo(first);
        assertThat(hosted.porter().port()).isEqualTo(port);
    }

    @Test
    void aBrokenWebConfigAnswers500_19UntilItIsFixed() throws Exception {
        start(Backends.attributes(List.of()));
        long first = hosted.pid();
        TestApps.write(app.resolve("web.config"), "<configuration><system.webServer><aspNetCore processPath=\"\"/>"
                + "</system.webServer></configuration>");
        await().atMost(Duration.ofSeconds(15)).until(() -> hosted.get("/").status() == 500);
        // IIS's 500.19 with the configuration error, shown to a local client (this one: loopback)
        assertThat(hosted.get("/").bodyText()).contains("HTTP Error 500.19 - Internal Server Error")
                .contains("configuration data for the page is invalid").contains("processPath")
                .contains(app.resolve("web.config").toString());
        await().atMost(Duration.ofSeconds(15)).until(() -> !Backends.alive(first));
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 200);
    }
}
