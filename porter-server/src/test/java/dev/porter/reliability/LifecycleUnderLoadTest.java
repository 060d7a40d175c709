package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lifecycle changes under load (64 keep-alive clients): {@code app_offline.htm} dropped and removed, and web.config
 * touched, every few hundred milliseconds for ~8 s, with the real hosting models (TestBackend out-of-process, the
 * recording app in-process). Clients see only 200 and 503, every request gets a response (none lost, none hung past
 * the guard), and the app serves again once the toggling stops.
 */
class LifecycleUnderLoadTest {

    private static final int CLIENTS = 64;

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private Porter porter;

    @AfterEach
    void cleanUp() {
        threads.shutdownNow();
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"outofprocess", "inprocess"})
    void appOfflineAndConfigTouchesUnderLoadYieldOnly200And503(String model) throws Exception {
        Path app = dir.resolve("app");
        if (model.equals("outofprocess")) {
            TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        } else {
            Front.jar(app.resolve("app.jar"), RecordingInProcessApp.class);
            TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar", "hostingModel",
                    "inprocess"), Map.of("RECORD_FILE", dir.resolve("requests.log").toString()));
        }
        porter = Porter.start(TestApps.server(Map.of("/", app)));
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(threads.submit(() -> {
                RawHttp http = null;
                while (!stop.get()) {
                    try {
                        if (http == null) {
                            http = new RawHttp("127.0.0.1", porter.port(), 20_000);
                        }
                        RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                        statuses.computeIfAbsent(r.status(), s -> new AtomicInteger()).incrementAndGet();
                        if (r.header("Connection").map("close"::equalsIgnoreCase).orElse(false)) {
                            http.close();
                            http = null;
                        }
                    } catch (IOException e) {
                        errors.add(e.toString());
                        http = null;
                    }
                }
                if (http != null) {
                    http.close();
                }
                return null;
            }));
        }
        Path offline = app.resolve("app_offline.htm");
        Path config = app.resolve("web.config");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        int toggles = 0;
        while (System.nanoTime() < end) {
            Thread.sleep(300); // the toggling rhythm under test
            if (toggles % 3 == 2) {
                Files.setLastModifiedTime(config, FileTime.from(Instant.now()));
                Files.writeString(config, Files.readString(config)); // a real write, as an editor saves
            } else if (Files.exists(offline)) {
                Files.delete(offline);
            } else {
                Files.writeString(offline, "<html>down for maintenance</html>");
            }
            toggles++;
        }
        Files.deleteIfExists(offline);
        long t0 = System.nanoTime();
        int okAtEnd = statuses.getOrDefault(200, new AtomicInteger()).get();
        // the app serves again once the last change is taken in (a recycle restarts the app under the load)
        await().atMost(Duration.ofSeconds(60)).until(() -> statuses.getOrDefault(200, new AtomicInteger()).get()
                > okAtEnd + 100); // a failure guard: a recycle under load on a busy machine takes its time
        long recoveredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        stop.set(true);
        Map<Integer, Integer> settled = new java.util.TreeMap<>();
        statuses.forEach((k, v) -> settled.put(k, v.get()));
        for (Future<?> f : clients) {
            f.get(30, TimeUnit.SECONDS);
        }
        System.out.println("MEASURED " + model + " lifecycle under load: " + toggles + " toggles, statuses " + settled
                + ", client errors " + errors.size() + ", serving again " + recoveredMillis + " ms after the last change");
        assertThat(statuses.keySet()).as("statuses seen").isSubsetOf(200, 503).contains(200, 503);
        assertThat(errors).as("requests without a response").isEmpty();
    }
}
