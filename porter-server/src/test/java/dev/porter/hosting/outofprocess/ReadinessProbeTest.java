package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.TestThreads;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The readiness probe (spec §1.3) against a real child process ({@code sleep}) and a port the test itself opens:
 * ready when the port listens and the child lives, exited as soon as the child goes, timed out at the limit, cancelled
 * on request; and the probe interval's schedule, which bounds how many connects a start costs.
 */
class ReadinessProbeTest {

    private final TestThreads threads = new TestThreads();

    private final List<Process> children = new ArrayList<>();
    private final List<ServerSocket> listeners = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (ServerSocket s : listeners) {
            s.close();
        }
        for (Process p : children) {
            p.destroyForcibly();
            p.onExit().get(10, TimeUnit.SECONDS);
        }
        threads.close();
    }

    private Process child(String seconds) throws IOException {
        Process p = new ProcessBuilder("sleep", seconds).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        children.add(p);
        return p;
    }

    private static InetSocketAddress unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    private static ReadinessProbe probe(Process child, InetSocketAddress address, Duration limit,
            java.util.function.BooleanSupplier cancelled) {
        long now = System.nanoTime();
        return ReadinessProbe.start(child, address, now, now + limit.toNanos(), cancelled);
    }

    @Test
    void theIntervalGrowsWithTheChildsAgeBetweenFourAndTenMilliseconds() {
        long[][] table = { // age ms, interval µs
            {0, 4_000}, {10, 4_000}, {50, 4_000}, {100, 4_000}, {120, 4_800}, {200, 8_000}, {250, 10_000},
            {1_000, 10_000}, {120_000, 10_000},
        };
        for (long[] row : table) {
            assertThat(ReadinessProbe.intervalNanos(TimeUnit.MILLISECONDS.toNanos(row[0])))
                    .as("interval at age %d ms", row[0]).isEqualTo(TimeUnit.MICROSECONDS.toNanos(row[1]));
        }
    }

    @Test
    void becomesReadyWhenThePortListensWithAFewDozenProbes() throws Exception {
        Process child = child("30");
        InetSocketAddress address = unusedPort();
        ReadinessProbe probe = probe(child, address, Duration.ofSeconds(30), () -> false);
        long t0 = System.nanoTime();
        CompletableFuture<BackendProcess.Readiness> outcome = threads.supply(probe::await);
        Thread.sleep(300); // a start-up of 300 ms: the schedule, not this test, decides when the probe looks
        assertThat(outcome).isNotDone();
        ServerSocket listener = new ServerSocket();
        listeners.add(listener);
        listener.bind(address, 50);
        assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(BackendProcess.Readiness.READY);
        long age = System.nanoTime() - t0;
        // 4 ms steps to 100 ms (25), then age/25 to 250 ms (25 * ln 2.5 = 23), then 10 ms steps: about 53 by
        // 300 ms; a busy loop or a fixed 1 ms step would make hundreds. A loaded machine stretches the start-up (and
        // delays probes): the bound is what the schedule allows over the age the wait actually reached.
        assertThat(probe.probes()).as("probes in %d ms", TimeUnit.NANOSECONDS.toMillis(age))
                .isBetween(2, scheduledProbes(age) + 5);
    }

    /** How many probes {@link ReadinessProbe#intervalNanos} schedules from age 0 to {@code ageNanos}. */
    private static int scheduledProbes(long ageNanos) {
        int n = 1;
        for (long at = 0; at < ageNanos; at += ReadinessProbe.intervalNanos(at)) {
            n++;
        }
        return n;
    }

    @Test
    void aChildThatExitsEndsTheWaitAtOnce() throws Exception {
        Process child = child("0.2");
        long t0 = System.nanoTime();
        BackendProcess.Readiness readiness = probe(child, unusedPort(), Duration.ofSeconds(60), () -> false).await();
        assertThat(readiness).isEqualTo(BackendProcess.Readiness.EXITED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30)); // not the limit
    }

    @Test
    void aChildThatNeverListensTimesOutAtTheLimit() throws Exception {
        Process child = child("30");
        long t0 = System.nanoTime();
        BackendProcess.Readiness readiness = probe(child, unusedPort(), Duration.ofMillis(300), () -> false).await();
        assertThat(readiness).isEqualTo(BackendProcess.Readiness.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(child.isAlive()).as("the caller kills it, not the probe").isTrue();
    }

    @Test
    void anApplicationThatStopsCancelsTheWait() throws Exception {
        Process child = child("30");
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        ReadinessProbe probe = probe(child, unusedPort(), Duration.ofSeconds(60), stopping::get);
        CompletableFuture<BackendProcess.Readiness> outcome = threads.supply(probe::await);
        assertThat(outcome).isNotDone();
        stopping.set(true);
        assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(BackendProcess.Readiness.CANCELLED);
    }

    /**
     * The kernel behaviour the probe guards against, made deterministic: a socket bound to the very port it connects
     * to, on which nothing listens, connects to itself (TCP simultaneous open). The probe must not take it for the
     * child; a real connect to a listener is not mistaken for one.
     */
    @Test
    void aConnectThatLandsOnItselfIsNotAListener() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (java.net.Socket self = new java.net.Socket()) {
            self.setReuseAddress(true);
            self.bind(nobody);
            self.connect(nobody, 5_000); // succeeds: Linux's simultaneous open with itself
            assertThat(ReadinessProbe.isSelfConnected(self)).isTrue();
        }
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listeners.add(listener);
        try (java.net.Socket real = new java.net.Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            assertThat(ReadinessProbe.isSelfConnected(real)).isFalse();
        }
    }
}
