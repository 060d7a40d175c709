package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.outofprocess.RapidFailClock;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backend faults under load, through Porter's real out-of-process hosting with TestBackend children: 64 keep-alive
 * clients on loopback while the backend is SIGKILLed every 2 s, hangs, exits mid-request, or crash-loops. What
 * clients see: 200, or 502 for what was in flight; never a hang, never another status; restarts within the startup
 * time; a crash loop ends in 502.5. Each test is bounded (~10-15 s) and stops every process it started.
 */
class BackendFaultsUnderLoadTest {

    private static final int CLIENTS = 64;

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final EventLog events = new EventLog();
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
            events.close();
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private void start(String... attributes) throws IOException {
        start(ServerEnvironment.ofSystem(), attributes);
    }

    private void start(ServerEnvironment environment, String... attributes) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), attributes), Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", app)), environment, HostingModels.defaults());
    }

    /** What the load saw. */
    private static final class Tally {
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final AtomicInteger connectionErrors = new AtomicInteger();
        final Set<Long> pids = ConcurrentHashMap.newKeySet();
        final AtomicLong lastPid = new AtomicLong();
        final AtomicLong maxLatencyMillis = new AtomicLong();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        /** Each 502: which client, when its request was sent and when the 502 came (System.nanoTime). */
        final ConcurrentLinkedQueue<long[]> failures = new ConcurrentLinkedQueue<>();
        /** Each 200 from /pid: the pid, when its request was sent and when the 200 came (System.nanoTime). */
        final ConcurrentLinkedQueue<long[]> served = new ConcurrentLinkedQueue<>();
        /** The error code each 502 page gave (0x80072efd: could not connect, and so on), in order. */
        final ConcurrentLinkedQueue<String> failureTexts = new ConcurrentLinkedQueue<>();

        int count(int status) {
            AtomicInteger n = statuses.get(status);
            return n == null ? 0 : n.get();
        }

        int total() {
            return statuses.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        @Override
        public String toString() {
            return "statuses " + statuses + ", connection errors " + connectionErrors + ", pids " + pids.size()
                    + ", max latency " + maxLatencyMillis + " ms";
        }
    }

    /** Runs {@link #CLIENTS} keep-alive clients requesting {@code path} until {@code stop}; counts what they see. */
    private List<java.util.concurrent.Future<?>> load(String path, AtomicBoolean stop, Tally tally) {
        List<java.util.concurrent.Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(threads.submit(() -> {
                RawHttp http = null;
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try {
                        if (http == null) {
                            http = new RawHttp("127.0.0.1", porter.port(), 30_000);
                        }
                        RawHttp.Response r = http.exchange("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
                        tally.statuses.computeIfAbsent(r.status(), s -> new AtomicInteger()).incrementAndGet();
                        if (r.status() == 502) {
                            long now = System.nanoTime();
                            tally.failures.add(new long[] {client, t0, now});
                            tally.failureTexts.add(java.util.regex.Pattern.compile("0x8007[0-9a-f]{4}")
                                    .matcher(r.bodyText()).results().map(m -> m.group()).findFirst().orElse("?"));
                        }
                        if (r.status() == 200 && path.equals("/pid")) {
                            long pid = Long.parseLong(r.bodyText().trim());
                            tally.pids.add(pid);
                            tally.lastPid.set(pid);
                            tally.served.add(new long[] {pid, t0, System.nanoTime()});
                        } else if (r.status() != 200 && r.status() != 502) {
                            tally.unexpected.add(r.status() + " " + r.bodyText());
                        }
                        if (r.header("Connection").map("close"::equalsIgnoreCase).orElse(false)) {
                            http.close();
                            http = null;
                        }
                    } catch (IOException e) {
                        tally.connectionErrors.incrementAndGet();
                        try {
                            if (http != null) {
                                http.close();
                            }
                        } catch (IOException ignored) {
                            // closing a broken socket
                        }
                        http = null;
                    }
                    tally.maxLatencyMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                            Math::max);
                }
                if (http != null) {
                    http.close();
                }
                return null;
            }));
        }
        return clients;
    }

    private static void join(List<java.util.concurrent.Future<?>> clients) throws Exception {
        for (java.util.concurrent.Future<?> f : clients) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private long pid() throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            RawHttp.Response r = http.exchange("GET /pid HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            return Long.parseLong(r.bodyText().trim());
        }
    }

    /**
     * Waits until a killed process is dead: its state in {@code /proc} is zombie or dead (its descriptors, sockets
     * included, are closed by then), or it is gone. Polled tightly: the moment bounds which requests were in flight.
     */
    private static long awaitDead(long pid) throws InterruptedException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // a failure guard
        while (System.nanoTime() < deadline) {
            try {
                String text = java.nio.file.Files.readString(stat);
                char state = text.charAt(text.lastIndexOf(')') + 2);
                if (state == 'Z' || state == 'X') {
                    return System.nanoTime();
                }
            } catch (IOException e) {
                return System.nanoTime(); // reaped already
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("process " + pid + " still alive 30 s after SIGKILL");
    }

    /** Where a moment lies among the kills and their notices, for a failure message. */
    private static String describe(long at, List<Long> killedAt, List<Long> noticedAt) {
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < killedAt.size(); k++) {
            text.append(k == 0 ? "" : ", ").append(String.format("%+.1f ms from kill %d, %+.1f ms from its notice",
                    (at - killedAt.get(k)) / 1e6, k, (at - noticedAt.get(k)) / 1e6));
        }
        return text.toString();
    }

    @Test
    void sigkillEvery2SecondsCostsOnlyRequestsInFlight() throws Exception {
        start();
        pid(); // started
        Tally tally = new Tally();
        AtomicBoolean stop = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> clients = load("/pid", stop, tally);
        List<Long> recoveryMillis = new ArrayList<>();
        List<Long> killedAt = new ArrayList<>();
        List<Long> deadAt = new ArrayList<>();
        List<Long> noticedAt = new ArrayList<>();
        int kills = 0;
        for (int k = 0; k < 4; k++) {
            Thread.sleep(2_000); // the fault rhythm under test: a kill every 2 s
            long victim = tally.lastPid.get();
            int okBefore = tally.count(200);
            long t0 = System.nanoTime();
            killedAt.add(t0);
            ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
            deadAt.add(awaitDead(victim));
            kills++;
            // restarted: 200s from a new process again, within the startup time limit (default 120 s; fast here).
            // The limit is a failure guard only: a loaded machine may take its time.
            await().atMost(Duration.ofSeconds(60)).until(() -> tally.lastPid.get() != victim
                    && tally.count(200) > okBefore);
            recoveryMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            // When Porter's exit watch had marked the process exited (it logs event 1030 right after): from then on
            // no request may be sent to it.
            String exitEvent = "process with Id '" + victim + "'";
            await().atMost(Duration.ofSeconds(60)).until(() -> events.loggedAt(1030, exitEvent).isPresent());
            noticedAt.add(events.loggedAt(1030, exitEvent).orElseThrow());
        }
        // a quiet phase: with no fault, requests sent from now on all succeed (those of the last kill were sent
        // before Porter noticed it, so before now)
        long quietFrom = System.nanoTime();
        int okBeforeQuiet = tally.count(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> tally.count(200) >= okBeforeQuiet + CLIENTS);
        stop.set(true);
        join(clients);
        System.out.println("MEASURED sigkill under load: " + kills + " kills, " + tally + ", recovery ms "
                + recoveryMillis);
        assertThat(tally.unexpected).as("statuses other than 200 and 502").isEmpty();
        assertThat(tally.connectionErrors.get()).as("connections cut without a response").isZero();
        // Requests fail only around a kill: those in flight, and those that reach the dead backend before its exit
        // is noticed (ANCM has the same window: no retry, 502.3). Porter learns of the death from the exit watch (the
        // JDK's waitpid), normally a few milliseconds after the kernel has closed the process's sockets: a GET sent in
        // between can be written to a connection the dead process will never read (it is in flight from Porter's
        // side), and it fails as sent. One sent once Porter has marked the process exited must never fail: it waits
        // for the restart. The moments compared are behaviour's (kill sent, exit marked), not a latency allowance:
        // how long the exit watch takes on a loaded machine does not matter.
        // A 502 belongs to a kill when its request was answered after the kill and sent before Porter noticed it.
        List<String> notInFlight = new ArrayList<>();
        List<String> sentAfterDeath = new ArrayList<>();
        for (long[] f : tally.failures) {
            boolean inFlight = false;
            for (int k = 0; k < kills; k++) {
                if (f[2] >= killedAt.get(k) && f[1] < noticedAt.get(k)) {
                    inFlight = true;
                    if (f[1] >= deadAt.get(k)) {
                        sentAfterDeath.add(TimeUnit.NANOSECONDS.toMicros(f[1] - deadAt.get(k)) + " us");
                    }
                }
            }
            if (!inFlight) {
                notInFlight.add("client " + f[0] + ": sent " + describe(f[1], killedAt, noticedAt) + ", answered "
                        + describe(f[2], killedAt, noticedAt));
            }
        }
        System.out.println("MEASURED 502s per kill: " + (double) tally.count(502) / kills + " (" + CLIENTS
                + " clients)");
        System.out.println("MEASURED SIGKILL to death (fds closed), ms: " + java.util.stream.IntStream.range(0, kills)
                .mapToObj(k -> String.format("%.1f", (deadAt.get(k) - killedAt.get(k)) / 1e6)).toList()
                + "; death seen by the test to exit noticed by Porter, ms: " + java.util.stream.IntStream
                .range(0, kills).mapToObj(k -> String.format("%.1f", (noticedAt.get(k) - deadAt.get(k)) / 1e6))
                .toList());
        System.out.println("MEASURED 502s for requests sent after the death: " + sentAfterDeath.size() + " "
                + sentAfterDeath + "; error codes " + tally.failureTexts);
        assertThat(notInFlight).as("502s for requests sent after Porter knew of the death").isEmpty();
        assertThat(tally.pids).hasSizeGreaterThanOrEqualTo(kills + 1);
        assertThat(tally.failures).as("502s for requests sent once the faults stopped")
                .noneMatch(f -> f[1] >= quietFrom);
    }

    @Test
    void aHangingBackendRequestGets502AfterRequestTimeoutWhileOthersAreServed() throws Exception {
        start("requestTimeout", "00:00:02");
        pid();
        Tally tally = new Tally();
        AtomicBoolean stop = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> clients = load("/pid", stop, tally);
        List<java.util.concurrent.Future<RawHttp.Response>> hung = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 8; i++) {
            hung.add(threads.submit(() -> {
                try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
                    return http.exchange("GET /hang HTTP/1.1\r\nHost: a\r\n\r\n");
                }
            }));
        }
        // Others are not held behind the hung ones: a round of the load's clients is answered while every hung request
        // still waits for its 502.3 (a count and an order, not a latency figure a loaded machine could miss).
        int okAtHang = tally.count(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> tally.count(200) >= okAtHang + CLIENTS
                || hung.stream().anyMatch(java.util.concurrent.Future::isDone));
        assertThat(hung).as("hung requests answered before a round of the others").noneMatch(
                java.util.concurrent.Future::isDone);
        for (java.util.concurrent.Future<RawHttp.Response> h : hung) {
            RawHttp.Response r = h.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("502.3");
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        stop.set(true);
        join(clients);
        System.out.println("MEASURED hanging backend: 8 hung requests answered 502.3 after " + waited + " ms; load "
                + tally);
        // not before requestTimeout (2 s, whose clock starts after t0); the upper end is a failure guard
        assertThat(waited).isBetween(1_900L, 30_000L);
        assertThat(tally.statuses.keySet()).containsOnly(200);
        assertThat(tally.connectionErrors.get()).isZero();
    }

    @Test
    void aBackendThatDiesMidRequestGives502AndTheClientConnectionStaysUsable() throws Exception {
        start();
        long first = pid();
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            RawHttp.Response r = http.exchange("GET /halt HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("502.3");
            await().atMost(Duration.ofSeconds(10)).until(() -> !Backends.alive(first));
            // the same client connection goes on: the next request starts a new process
            RawHttp.Response next = http.exchange("GET /pid HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(next.status()).isEqualTo(200);
            assertThat(Long.parseLong(next.bodyText().trim())).isNotEqualTo(first);
        }
    }

    @Test
    void aCrashLoopUnderLoadEndsIn502_5AndRecoversAfterTheWindow() throws Exception {
        // The 60-second window passes on a clock the test moves, so CI does not wait a minute (reliability/run waits
        // the real window and reports the recovery time).
        RapidFailClock clock = new RapidFailClock();
        start(clock.environment(), "rapidFailsPerMinute", "2");
        Tally tally = new Tally();
        AtomicBoolean stop = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> clients = load("/pid", stop, tally);
        // kill whatever runs, as fast as it comes up, until starts are refused
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            long pid = tally.lastPid.getAndSet(0);
            if (pid != 0) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
                RawHttp.Response r = http.exchange("GET /pid HTTP/1.1\r\nHost: a\r\n\r\n");
                return r.status() == 502 && r.bodyText().contains("502.5");
            }
        });
        // Judged by when each request was sent and answered, not by counters read while the clients run: a client can
        // count an answer it got before the refusal a moment after the test has read the counter.
        long refusedAt = System.nanoTime();
        // refused for the rest of the window: the load sees only 502.5 (the clients keep going)
        int failedAtRefusal = tally.count(502);
        await().atMost(Duration.ofSeconds(60)).until(() -> tally.count(502) > failedAtRefusal + 100);
        assertThat(backends.started()).as("no backend left running after the refusal").allMatch(p -> !p.isAlive()
                || p.info().commandLine().map(cl -> !cl.contains("TestBackend")).orElse(true));
        // the window ends: the next request starts the app again, and the load is served
        long advancedAt = System.nanoTime();
        clock.advance(RapidFailClock.window().plusSeconds(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> tally.served.stream().filter(s -> s[1] >= advancedAt)
                .count() > 100);
        long recoveredAt = System.nanoTime();
        long recoveryMillis = TimeUnit.NANOSECONDS.toMillis(recoveredAt - advancedAt);
        await().atMost(Duration.ofSeconds(60)).until(() -> tally.served.stream().filter(s -> s[1] >= recoveredAt)
                .count() > 500);
        stop.set(true);
        join(clients);
        long pidsAtRefusal = tally.served.stream().filter(s -> s[1] < refusedAt).mapToLong(s -> s[0]).distinct()
                .count();
        System.out.println("MEASURED crash loop under load: " + tally + "; refused after " + pidsAtRefusal
                + " processes; serving again " + recoveryMillis + " ms after the window ended");
        assertThat(tally.unexpected).isEmpty();
        assertThat(tally.connectionErrors.get()).isZero();
        assertThat(pidsAtRefusal).as("processes started before the refusal").isBetween(3L, 4L);
        assertThat(tally.served).as("requests sent after the refusal and served before the window ended")
                .noneMatch(s -> s[1] >= refusedAt && s[2] < advancedAt);
        assertThat((long) tally.pids.size()).as("one more process after the window").isEqualTo(pidsAtRefusal + 1);
        assertThat(tally.failures).as("502s for requests sent once serving again").noneMatch(f -> f[1] >= recoveredAt);
    }
}
