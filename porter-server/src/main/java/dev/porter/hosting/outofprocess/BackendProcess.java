package dev.porter.hosting.outofprocess;

import dev.porter.hosting.outofprocess.forwarding.BackendTarget;
import dev.porter.hosting.outofprocess.forwarding.Forwarder;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One child process of a slot: its pid, port and pairing token (spec §1.1–§1.3, §1.8). Created by
 * {@link ProcessManager} once launched; {@link #awaitReady} decides whether it becomes the slot's backend.
 *
 * <p>Threading: {@link #awaitReady} and {@link #shutdown} block and run on virtual threads; the getters are safe
 * from any thread.
 */
final class BackendProcess {

    private final int slot;
    private final Process process;
    private final int port;
    private final String token;
    private final Instant launchTime;
    private final long launchNanos;
    private volatile List<ProcessHandle> descendantsAtReady = List.of();
    private volatile int probes;
    private volatile String misfit;
    private volatile boolean ready;
    private volatile long readyNanos;
    private volatile boolean stopRequested;
    private volatile boolean exited;
    private final Thread outputDrain;
    private final Forwarder forwarder;
    private final CompletableFuture<Void> exitSeen = new CompletableFuture<>();
    /** Completed when the first forward to this process has ended ({@link #forwardEnded}). */
    private final CompletableFuture<Void> firstForwardEnded = new CompletableFuture<>();

    BackendProcess(int slot, Process process, int port, String token, Instant launchTime, long launchNanos,
            Thread outputDrain, ForwardingOptions options) {
        this.launchNanos = launchNanos;
        this.outputDrain = outputDrain;
        this.slot = slot;
        this.process = process;
        this.port = port;
        this.token = token;
        this.launchTime = launchTime;
        // made here, used once the process is ready: a forwarder holds nothing until its first request
        this.forwarder = new Forwarder(new BackendTarget(address(), token), options);
    }

    int slot() {
        return slot;
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    String token() {
        return token;
    }

    Instant launchTime() {
        return launchTime;
    }

    /** From launch to the first successful readiness connect. */
    long startupMillis() {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(readyNanos - launchNanos);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** When the readiness probe first connected ({@link System#nanoTime}), 0 before. */
    long readyNanos() {
        return readyNanos;
    }

    boolean isReady() {
        return ready;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Whether the exit watch has seen the process go (a volatile read: cheap enough for every request). */
    boolean hasExited() {
        return exited;
    }

    void markExited() {
        exited = true;
    }

    /**
     * Completes once the process manager has seen the exit and acted on it (the slot freed, the forwarder closed), so a
     * request routed again from then on gets a new process, or 503 when the application is stopping. Never fails.
     */
    CompletableFuture<Void> whenExitSeen() {
        return exitSeen;
    }

    /** The process manager is done with the exit: see {@link #whenExitSeen}. */
    void exitHandled() {
        exitSeen.complete(null);
    }

    boolean isStopRequested() {
        return stopRequested;
    }

    Process process() {
        return process;
    }

    /** Forwards requests to this process (once it is ready); closed when its exit is seen. */
    Forwarder forwarder() {
        return forwarder;
    }

    /**
     * The outcome of waiting for readiness. MISFIT: alive, but listening elsewhere than on 127.0.0.1:port
     * ({@link StartDiagnosis}).
     */
    enum Readiness { READY, EXITED, TIMED_OUT, CANCELLED, MISFIT }

    /** How often a start looks at what a child that is not ready yet listens on. */
    static final Duration DIAGNOSIS_INTERVAL = Duration.ofSeconds(1);

    /**
     * Spec §1.3, Porter's mapping: ready once the child is alive and a TCP connect to 127.0.0.1:port succeeds, probed
     * at an interval that grows with the child's age ({@link ReadinessProbe}); every second meanwhile, what the process
     * tree listens on is looked at ({@link StartDiagnosis}), so an app on another port fails in seconds (MISFIT), not
     * after {@code startupTimeLimit}. Gives up when the child exits, when
     * {@code limit} passes, or when {@code cancelled} says so (the application stops). The caller takes the
     * descendants' snapshot ({@link #rememberDescendants}) once the first request is on its way.
     */
    Readiness awaitReady(Duration limit, java.util.function.BooleanSupplier cancelled) {
        ReadinessProbe probe = ReadinessProbe.start(process, address(), launchNanos,
                System.nanoTime() + limit.toNanos(), cancelled);
        Readiness readiness = probe.await(DIAGNOSIS_INTERVAL.toNanos(),
                () -> StartDiagnosis.misfit(ListeningSockets.of(process.toHandle()), port));
        probes = probe.probes();
        misfit = probe.misfit();
        if (readiness == Readiness.READY) {
            readyNanos = System.nanoTime();
            ready = true;
        }
        return readiness;
    }

    /** A forward to this process has ended (on an event loop: one volatile read once the first has). */
    void forwardEnded() {
        if (!firstForwardEnded.isDone()) {
            firstForwardEnded.complete(null);
        }
    }

    /**
     * Blocks (a virtual thread) until the first forward to this process has ended, the process has exited, or
     * {@code limit} has passed, whichever comes first.
     */
    void awaitFirstForward(Duration limit) {
        try {
            CompletableFuture.anyOf(firstForwardEnded, process.onExit()).get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // no request came (another slot's process, a preload), or none ended in time: the bookkeeping goes on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the child did instead of listening on 127.0.0.1:port, when the wait ended {@code MISFIT}. */
    String misfit() {
        return misfit;
    }

    /** How many connects the readiness wait made. */
    int readinessProbes() {
        return probes;
    }

    /**
     * Snapshots the descendants of a ready process (a walk over every process of the machine, about a millisecond),
     * so that they can be killed with it even if they leave its process group.
     */
    void rememberDescendants() {
        descendantsAtReady = List.copyOf(process.descendants().toList());
    }

    /** After an exit: lets the drain thread read what the child wrote last (for event 1020), bounded. */
    void awaitOutputDrained(Duration limit) {
        if (outputDrain != null) {
            try {
                outputDrain.join(limit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Marks an exit as ours, so the exit watch does not take it for a crash. */
    void markStopRequested() {
        stopRequested = true;
    }

    /**
     * Graceful stop (spec §1.8): the shutdown message ({@code POST {applPath}/iisintegration} with
     * {@code MS-ASPNETCORE-EVENT: shutdown} and the token, 202 expected, event 1006); if that fails, SIGTERM (ANCM's
     * CTRL_BREAK, which it too sends only when the message failed: a JVM app that accepted the message is stopping
     * itself, and a SIGTERM would run its shutdown hooks under it); then, once {@code limit} has passed since the
     * message, SIGKILL to the process and its whole tree (event 1005). Descendants still alive after the process
     * exits are killed too (ANCM's Job Object does the same). Blocks until the process is gone.
     *
     * @return true if the process exited without being killed
     */
    boolean shutdown(Duration limit, String applPath) {
        markStopRequested();
        if (!process.isAlive()) {
            killSurvivingDescendants(List.of());
            return true;
        }
        boolean ended = false;
        try {
            boolean graceful = shutdownInOrder(limit, applPath);
            ended = true;
            return graceful;
        } finally {
            if (!ended) {
                // Whatever failed on the way (an error, an interrupt), a stop always ends with the process and its
                // group gone: an old backend left running would serve on beside every new one.
                kill();
            }
        }
    }

    private boolean shutdownInOrder(Duration limit, String applPath) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        long deadline = System.nanoTime() + limit.toNanos();
        int status = ShutdownMessage.send(address(), applPath, token, limit);
        if (status > 0) {
            ProcessEvents.shutdownMessageSent(pid(), status);
        }
        if (status != 202 && process.isAlive()) {
            process.toHandle().destroy(); // SIGTERM; Process.destroy() would close our pipe ends and SIGPIPE a logger
        }
        boolean graceful = waitForExit(deadline);
        if (!graceful) {
            ProcessEvents.gracefulShutdownFailed(pid());
            tree.addAll(process.descendants().toList());
            process.toHandle().destroyForcibly();
            for (ProcessHandle child : tree) {
                child.destroyForcibly();
            }
            try {
                process.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // SIGKILL cannot be refused; the reaper will see it
            }
        }
        killSurvivingDescendants(tree);
        return graceful;
    }

    /**
     * After the process is gone (crash or stop): its descendants go too, those in its process group (orphans
     * included) and those Java saw (which may have left the group).
     */
    void killSurvivingDescendants(List<ProcessHandle> alsoKnown) {
        ProcessGroup.kill(pid());
        ProcessWatchdog.unregister(pid());
        for (ProcessHandle child : descendantsAtReady) {
            child.destroyForcibly();
        }
        for (ProcessHandle child : alsoKnown) {
            child.destroyForcibly();
        }
    }

    /** Immediate kill of the process and its tree (a start attempt that timed out, or abandoned). */
    void kill() {
        markStopRequested();
        List<ProcessHandle> tree = process.descendants().toList();
        process.toHandle().destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // SIGKILL cannot be refused
        }
        killSurvivingDescendants(tree);
    }

    private boolean waitForExit(long deadline) {
        try {
            long left = deadline - System.nanoTime();
            return process.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS) || !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    @Override
    public String toString() {
        return "process " + pid() + " (slot " + slot + ", port " + port + ")";
    }
}
