package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stop sequence of an out-of-process app (spec §1.8, issue #14 items 1 and 2): it always ends with the process
 * gone, also for a virtual path that needs percent-encoding; the shutdown message goes out first, while requests are
 * still in flight, and the whole stop takes {@code shutdownTimeLimit} plus a small margin.
 */
class StopSequenceTest {

    private final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final EventLog events = new EventLog();
    private final AtomicReference<OutOfProcessHandler> latest = new AtomicReference<>();
    private Porter porter;

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
        threads.close();
    }

    private void start(String virtualPath, Path app) throws IOException {
        Map<HostingModel, HostingModelFactory> factories = new HashMap<>(HostingModels.defaults());
        HostingModelFactory outOfProcess = factories.get(HostingModel.OUT_OF_PROCESS);
        factories.put(HostingModel.OUT_OF_PROCESS, context -> {
            ApplicationHandler handler = outOfProcess.create(context);
            latest.set((OutOfProcessHandler) handler);
            return handler;
        });
        porter = Porter.start(TestApps.server(Map.of(virtualPath, app)), ServerEnvironment.ofSystem(), factories);
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    private long pid(String path) {
        RawHttp.Response r = get(path);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return Long.parseLong(r.bodyText());
    }

    private static String stdout(Path app) {
        try (Stream<Path> files = Files.list(app.resolve("logs"))) {
            StringBuilder all = new StringBuilder();
            for (Path f : files.toList()) {
                all.append(Files.readString(f));
            }
            return all.toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void anAppWhoseVirtualPathHasASpaceIsStoppedByAppOffline() throws Exception {
        Path app = dir.resolve("my app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "stdoutLogEnabled", "true", "stdoutLogFile",
                "logs/out"), Map.of());
        start("/my app", app);
        long pid = pid("/my%20app/pid");
        // Before: the shutdown message's URI could not be built from "/my app", the stop thread died, and the old
        // backend ran on for ever behind the 503.
        Files.writeString(app.resolve("app_offline.htm"), "down for maintenance");
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/my%20app/pid").status() == 503);
        await().atMost(Duration.ofSeconds(20)).until(() -> !Backends.alive(pid) || Backends.isZombie(pid));
        // the app may be gone before the event is written: await it too
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events.events(1006))
                .contains("Sent shutdown HTTP message to process with Id '" + pid
                        + "' and received http status '202'."));
        assertThat(stdout(app)).contains("got the shutdown message at /my app/iisintegration");
        Files.delete(app.resolve("app_offline.htm"));
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/my%20app/pid").status() == 200);
        // Before, each web.config touch left one more backend running.
        for (int touch = 0; touch < 2; touch++) {
            long before = pid("/my%20app/pid");
            Files.setLastModifiedTime(app.resolve("web.config"), java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 1000L * (touch + 1)));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                RawHttp.Response r = get("/my%20app/pid");
                return r.status() == 200 && Long.parseLong(r.bodyText()) != before;
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> !Backends.alive(before) || Backends.isZombie(before));
        }
        assertThat(backends.started().stream().filter(ProcessHandle::isAlive)
                .filter(p -> !Backends.isZombie(p.pid()))).hasSize(1);
    }

    /** The shutdownTimeLimit of the stop-sequence test. */
    private static final long LIMIT_MILLIS = 8_000;

    @Test
    void theShutdownMessageGoesFirstAndTheStopTakesShutdownTimeLimit() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "shutdownTimeLimit",
                Long.toString(LIMIT_MILLIS / 1_000), "stdoutLogEnabled",
                "true", "stdoutLogFile", "logs/out"), Map.of());
        start("/", app);
        long pid = pid("/pid");
        // A long poll: the app would finish it only after two minutes.
        CompletableFuture<Integer> longPoll = threads.supply(() -> {
            try {
                return get("/sleep?ms=120000").status();
            } catch (UncheckedIOException e) {
                return -1; // cut off: as good as a 503 here
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> latest.get().manager().readyProcesses().stream()
                .mapToInt(p -> p.forwarder().inFlight()).sum() == 1);
        long t0 = System.nanoTime();
        CompletableFuture<Void> stopped = latest.get().stop(ApplicationHandler.StopReason.CONFIG_CHANGE);
        // Before: Porter first waited shutdownTimeLimit (8 s) for the long poll and only then told the app, so the
        // message came at the limit at the earliest. Now it goes first: the app has it before the limit has passed.
        // The await is a failure guard; what is asserted is the order against the configured limit.
        await().atMost(Duration.ofSeconds(60)).until(() -> stdout(app).contains("got the shutdown message"));
        long toldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        stopped.get(60, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("MEASURED stop with a long poll in flight, shutdownTimeLimit 8 s: told after " + toldMillis
                + " ms, stopped after " + millis + " ms");
        assertThat(toldMillis).as("ms from the stop until the app had the shutdown message; the limit is 8,000")
                .isLessThan(LIMIT_MILLIS);
        // The app kept the poll open, so it was killed at the limit: not before it (t0 was taken before the stop
        // began; a second off for the timers' rounding), and the limit once, not twice as before (about 16 s). The
        // allowance for the kill itself is the limit again, which no machine needs for a SIGKILL and a reap.
        assertThat(millis).isBetween(LIMIT_MILLIS - 1_000, 2 * LIMIT_MILLIS - 1);
        assertThat(Backends.alive(pid) && !Backends.isZombie(pid)).isFalse();
        assertThat(events.events(1005)).contains("Failed to gracefully shutdown process with Id '" + pid + "'.");
        // The app was told to stop and closed the poll's connection unanswered: 503, as every request that arrives
        // once the app is stopping (ForwardOutcome.Unanswered, decided on in OutOfProcessHandler.forwarded).
        assertThat(longPoll.get(30, TimeUnit.SECONDS)).isIn(503, -1);
    }
}
