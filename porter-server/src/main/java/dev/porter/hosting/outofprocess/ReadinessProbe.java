package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Spec §1.3, Porter's mapping of ANCM's readiness loop: a child is ready once it is alive and a TCP connect to
 * 127.0.0.1:port succeeds. ANCM looks every 250 ms; the design's bar is a cold first response no slower than the app's
 * own start-up plus 20 ms. Nothing tells a process when another starts listening, so Porter polls, at an interval that
 * grows with the child's age: {@code age / }{@value #AGE_DIVISOR}, at least {@value #MIN_INTERVAL_MILLIS} ms and at
 * most {@value #MAX_INTERVAL_MILLIS} ms. The probe thus lags the child's {@code listen()} by at most 4% of its
 * start-up past the first 100 ms (a JVM app listening after 120 ms is seen within 4.8 ms, 2.4 ms on average, where a
 * fixed 10 ms step lags 5 ms on average), and a slow starter costs at most {@code 1000 / MAX_INTERVAL_MILLIS} refused
 * connects a second. Finer is not free: on a loaded two-core machine a refused connect from Java measured 0.1-0.25 ms
 * of CPU (socket, SYN, RST, exception, close), taken from the very child that is starting; 30 probes cover a 120 ms
 * start, as many as the former 1-2-4-8-10 ms backoff made.
 *
 * <p>Every probe of the server runs on one platform daemon thread ({@code porter-readiness}, gone after 30 s without a
 * start), timed by a {@link ScheduledThreadPoolExecutor}: a sleeping platform thread wakes with one futex, where a
 * virtual thread's timed park also wakes the timer thread and a carrier (measured: about 40 µs more per probe). A
 * probe is a connect on loopback, refused or accepted at once, so it never holds the thread (the connect timeout bounds
 * the odd case of a full accept queue). The child's exit ends the wait at once ({@link Process#onExit}), not at the
 * next probe.
 *
 * <p>Threading: {@link #await} blocks its caller (the start's virtual thread) until the outcome; probes run on the
 * probe thread; the outcome is completed once, by whichever comes first.
 */
final class ReadinessProbe {

    static final long MIN_INTERVAL_MILLIS = 4;
    static final long MAX_INTERVAL_MILLIS = 10;
    /** The interval is the child's age divided by this: the probe lags the child's listen by at most 1/25 of it. */
    static final long AGE_DIVISOR = 25;
    private static final int CONNECT_TIMEOUT_MILLIS = 1_000;

    private static final ScheduledThreadPoolExecutor PROBER = newProber();

    private final Process process;
    private final InetSocketAddress address;
    private final long launchNanos;
    private final long deadlineNanos;
    private final BooleanSupplier cancelled;
    private final CompletableFuture<BackendProcess.Readiness> outcome = new CompletableFuture<>();
    private volatile ScheduledFuture<?> next;
    /** How many connects this wait made (for the debug log and tests). */
    private volatile int probes;
    private volatile String misfit;

    private ReadinessProbe(Process process, InetSocketAddress address, long launchNanos, long deadlineNanos,
            BooleanSupplier cancelled) {
        this.process = process;
        this.address = address;
        this.launchNanos = launchNanos;
        this.deadlineNanos = deadlineNanos;
        this.cancelled = cancelled;
    }

    /**
     * Waits until the child listens on {@code address} (READY), exits (EXITED), {@code deadlineNanos} passes
     * (TIMED_OUT) or {@code cancelled} says so, or the caller is interrupted (CANCELLED).
     *
     * @param launchNanos when the child was launched ({@link System#nanoTime}): its age sets the probe interval
     */
    static ReadinessProbe start(Process process, InetSocketAddress address, long launchNanos, long deadlineNanos,
            BooleanSupplier cancelled) {
        ReadinessProbe probe = new ReadinessProbe(process, address, launchNanos, deadlineNanos, cancelled);
        process.onExit().thenRun(() -> probe.outcome.complete(BackendProcess.Readiness.EXITED));
        probe.next = PROBER.schedule(probe::probe, 0, TimeUnit.NANOSECONDS);
        return probe;
    }

    /** Blocks until the outcome (see {@link #start}). */
    BackendProcess.Readiness await() {
        return await(0, () -> null);
    }

    /**
     * As {@link #await()}, and while waiting asks {@code diagnose}, on the caller's thread every
     * {@code intervalNanos}, whether the child does something else than listen on its port (a text saying what, or
     * null). The same kind of answer twice in a row ends the wait as {@code MISFIT}: one look could catch an app
     * between two listens.
     *
     * @param intervalNanos how often to ask; 0 never
     */
    BackendProcess.Readiness await(long intervalNanos, Supplier<String> diagnose) {
        try {
            String previous = null;
            while (true) {
                if (intervalNanos <= 0) {
                    return outcome.get();
                }
                try {
                    return outcome.get(intervalNanos, TimeUnit.NANOSECONDS);
                } catch (TimeoutException stillWaiting) {
                    String found;
                    try {
                        found = diagnose.get();
                    } catch (RuntimeException unreadable) {
                        found = null; // a diagnosis that fails says nothing; the wait goes on as ANCM's would
                    }
                    if (found != null && previous != null) {
                        misfit = found;
                        finish(BackendProcess.Readiness.MISFIT); // unless another outcome came first
                    }
                    previous = found;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(BackendProcess.Readiness.CANCELLED);
            return outcome.getNow(BackendProcess.Readiness.CANCELLED);
        } catch (ExecutionException e) {
            throw new IllegalStateException("readiness probe failed", e.getCause());
        } finally {
            ScheduledFuture<?> pending = next;
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }

    int probes() {
        return probes;
    }

    /** What the diagnosis found, when the outcome is {@code MISFIT}; else null. */
    String misfit() {
        return misfit;
    }

    /** The delay before the next probe of a child {@code ageNanos} old. */
    static long intervalNanos(long ageNanos) {
        long interval = ageNanos / AGE_DIVISOR;
        return Math.clamp(interval, TimeUnit.MILLISECONDS.toNanos(MIN_INTERVAL_MILLIS),
                TimeUnit.MILLISECONDS.toNanos(MAX_INTERVAL_MILLIS));
    }

    /** On the probe thread. */
    private void probe() {
        try {
            probeOnce();
        } catch (RuntimeException | Error e) {
            outcome.completeExceptionally(e); // a start failure for the request, not a dead probe thread
        }
    }

    @SuppressWarnings("NonAtomicVolatileUpdate") // probes has one writer, the probe thread; volatile is for readers
    private void probeOnce() {
        if (outcome.isDone()) {
            return;
        }
        if (!process.isAlive()) {
            finish(BackendProcess.Readiness.EXITED);
            return;
        }
        if (cancelled.getAsBoolean()) {
            finish(BackendProcess.Readiness.CANCELLED);
            return;
        }
        probes++;
        if (connects()) {
            // a connect to a child that died just now could have reached another process that took the port
            finish(process.isAlive() ? BackendProcess.Readiness.READY : BackendProcess.Readiness.EXITED);
            return;
        }
        long now = System.nanoTime();
        long left = deadlineNanos - now;
        if (left <= 0) {
            finish(BackendProcess.Readiness.TIMED_OUT);
            return;
        }
        next = PROBER.schedule(this::probe, Math.min(intervalNanos(now - launchNanos), left), TimeUnit.NANOSECONDS);
    }

    private boolean connects() {
        try (Socket socket = new Socket()) {
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            return !isSelfConnected(socket);
        } catch (IOException refused) {
            return false;
        }
    }

    /**
     * Whether a connect landed on its own source port. Linux lets a connect to a loopback port in the ephemeral range
     * (32768-60999 by default, overlapping ANCM's 1025-48000) on which nothing listens pick that very port as its
     * source, and the TCP simultaneous open then succeeds: about once in a thousand probes of such a port, which made
     * a child look ready before it listened (seen as a refused first forward).
     */
    static boolean isSelfConnected(Socket socket) {
        return socket.getLocalPort() == socket.getPort() && socket.getLocalAddress().equals(socket.getInetAddress());
    }

    private void finish(BackendProcess.Readiness readiness) {
        outcome.complete(readiness);
    }

    private static ScheduledThreadPoolExecutor newProber() {
        ScheduledThreadPoolExecutor prober = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("porter-readiness").factory());
        prober.setRemoveOnCancelPolicy(true);
        prober.setKeepAliveTime(30, TimeUnit.SECONDS);
        prober.allowCoreThreadTimeOut(true); // no thread while no child is starting
        return prober;
    }
}
