package dev.porter.hosting.outofprocess;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.AppPaths;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.StdoutLogRetention;
import dev.porter.hosting.ancm.AncmEnvironment;
import dev.porter.hosting.outofprocess.forwarding.Forwarder;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The processes of one application incarnation (spec §1.1, §1.7, §1.8; ANCM's {@code PROCESS_MANAGER}):
 * {@code processesPerApplication} slots, started by the first request (every slot at once), each request going to the
 * ready process with the fewest requests outstanding (beyond ANCM, whose choice is round-robin; see
 * {@link #processFor}).
 *
 * <p>A start runs on a virtual thread: up to two attempts, each with a fresh port (the token is kept), waiting for
 * readiness within {@code startupTimeLimit}; requests routed to the slot meanwhile share its future. A start that
 * fails holds its slot for a backoff that doubles with each failure in a row ({@link #FIRST_START_BACKOFF}), so a
 * broken app under load costs a handful of launches. A process that
 * exits on its own is noticed at once ({@code Process.onExit}): it leaves its slot (event 1030), counts as a rapid fail
 * if it had become ready, and the next request starts a new one; more than {@code rapidFailsPerMinute} such crashes in
 * a 60-second window (checked lazily, when a start is due) refuse starts for the rest of the window (event 1003).
 *
 * <p>Threading: {@link #processFor} is called on event loops and never blocks; everything that blocks (launch,
 * readiness, shutdown) runs on virtual threads. An exit is told as an event: {@link BackendProcess#whenExitSeen}.
 */
final class ProcessManager {

    static final Duration RAPID_FAIL_WINDOW = Duration.ofMinutes(1);
    /**
     * Beyond ANCM: after a start that launched processes and failed, the next launch waits this long, doubled after
     * each further failure up to {@link #MAX_START_BACKOFF}; a ready process (or a new incarnation, after a web.config
     * change) starts again from nothing. Requests meanwhile get the failure's 502.5 at once.
     */
    static final Duration FIRST_START_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_START_BACKOFF = Duration.ofSeconds(30);
    private static final int ATTEMPTS = 2;
    /**
     * How long a start's bookkeeping after readiness (the descendants' snapshot, the exposure check) waits for the
     * process's first forward to end. That bookkeeping reads /proc (every process's stat, the child's
     * descriptors, the TCP tables), and done at once it ran exactly while the child, a JVM still loading classes,
     * served the cold first response: on two cores the two competed for CPU. A process that gets no request (another
     * slot's, a preload) waits this long.
     */
    static final Duration POST_READY_WAIT = Duration.ofSeconds(1);
    // HRESULTs in the events, as ANCM reports them
    private static final int E_PORT_NOT_SET = 0x80070057;
    private static final int E_CREATE_PROCESS = 0x80070002;
    private static final int E_PROCESS_EXITED = 0x8007042B;
    private static final int E_TIMED_OUT = 0x800705B4;

    /** Why a request could not get a process. */
    static final class StartFailure extends RuntimeException {
        private final boolean stopping;

        StartFailure(String message, boolean stopping) {
            super(message, null, false, false);
            this.stopping = stopping;
        }

        /** The application is stopping: the request gets 503, not 502.5. */
        boolean stopping() {
            return stopping;
        }
    }

    private final ApplicationContext context;
    private final AspNetCoreConfig config;
    private final String appName;
    private final String root;
    private volatile LaunchCommand command;
    private final AncmEnvironment environment;
    private final ModuleDebugLog debugLog;
    private final ForwardingOptions options;
    private final List<AtomicReference<CompletableFuture<BackendProcess>>> slots;
    private final AtomicInteger counter = new AtomicInteger();
    private final ReentrantLock rapidFailLock = new ReentrantLock();
    /** The rapid-fail window's clock: the context's ({@link dev.porter.hosting.ServerEnvironment#clock()}). */
    private final LongSupplier clock;
    private long rapidFailWindowStart;
    private int rapidFailCount;
    private volatile boolean stopping;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    /** Starts that launched processes and failed, since the last success (this incarnation only). */
    private final AtomicInteger failedStartsInARow = new AtomicInteger();
    /** While {@code failedStartsInARow > 0}: no new launch before this {@link System#nanoTime()}. */
    private volatile long retryStartAtNanos;
    // Read by the admin endpoint (describe): written by start and exit threads.
    private final java.util.concurrent.atomic.AtomicLong readyStarts = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failedStarts = new java.util.concurrent.atomic.AtomicLong();
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;

    /** @param options how each process's {@link Forwarder} forwards */
    ProcessManager(ApplicationContext context, ModuleDebugLog debugLog, ForwardingOptions options) {
        this.clock = context.environment().clock();
        this.rapidFailWindowStart = clock.getAsLong();
        this.context = context;
        this.config = context.webConfig().aspNetCore();
        this.appName = context.configPath();
        this.root = context.physicalPath().toString() + File.separator;
        this.environment = AncmEnvironment.outOfProcess(context);
        this.debugLog = debugLog;
        this.options = options;
        List<AtomicReference<CompletableFuture<BackendProcess>>> list = new ArrayList<>();
        for (int i = 0; i < config.processesPerApplication(); i++) {
            list.add(new AtomicReference<>());
        }
        this.slots = List.copyOf(list);
    }

    boolean isStopping() {
        return stopping;
    }

    /** Resolved on the first start (a virtual thread): resolution looks at files, which an event loop must not. */
    LaunchCommand command() {
        LaunchCommand resolved = command;
        if (resolved == null) {
            resolved = LaunchCommand.of(config, context.launchDirectory(), context.environment());
            command = resolved;
        }
        return resolved;
    }

    /**
     * The process for the next request, or the future of a start. Never blocks. The future fails with
     * {@link StartFailure}.
     *
     * <p>Beyond ANCM (which picks slots round-robin): with several slots, the request goes to the ready process with
     * the fewest requests outstanding on it (ties taken in turn), and every empty slot is started at the same time, so
     * a request waits for a start only when no process is ready at all.
     */
    CompletableFuture<BackendProcess> processFor() {
        int n = slots.size();
        if (n == 1) {
            return processIn(0); // the default: no counter, no scan
        }
        int offset = Math.floorMod(counter.incrementAndGet(), n);
        CompletableFuture<BackendProcess> best = null;
        int bestLoad = Integer.MAX_VALUE;
        CompletableFuture<BackendProcess> pending = null;
        for (int k = 0; k < n; k++) {
            int index = (offset + k) % n;
            CompletableFuture<BackendProcess> f = slots.get(index).get();
            if (f != null && f.state() == Future.State.SUCCESS && usable(f)) {
                int load = f.resultNow().forwarder().inFlight();
                if (load < bestLoad) {
                    best = f;
                    bestLoad = load;
                }
                continue;
            }
            CompletableFuture<BackendProcess> start = processIn(index); // starting, backing off, or started now
            if (pending == null || (pending.isDone() && !start.isDone())) {
                pending = start;
            }
        }
        return best != null ? best : pending;
    }

    /**
     * Starts every slot that has no usable process (an overlapped recycle's new incarnation); the future completes
     * when each slot has a ready process and fails with the first {@link StartFailure}. Never blocks.
     */
    CompletableFuture<Void> startEverySlot() {
        CompletableFuture<?>[] starts = new CompletableFuture<?>[slots.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = processIn(i);
        }
        return CompletableFuture.allOf(starts);
    }

    /** Whether each process gets a port of its own (no {@code ASPNETCORE_PORT} in environmentVariables). */
    boolean choosesItsPorts() {
        return environment.configuredPort().isEmpty();
    }

    private CompletableFuture<BackendProcess> processIn(int index) {
        AtomicReference<CompletableFuture<BackendProcess>> slot = slots.get(index);
        while (true) {
            CompletableFuture<BackendProcess> current = slot.get();
            if (current != null && usable(current)) {
                return current;
            }
            CompletableFuture<BackendProcess> next = new CompletableFuture<>();
            if (slot.compareAndSet(current, next)) {
                if (stopping) {
                    next.completeExceptionally(new StartFailure("The application is shutting down.", true));
                    return next;
                }
                Thread.ofVirtual().name("porter-start-" + appName + "#" + index)
                        .start(() -> start(index, slot, next));
                return next;
            }
        }
    }

    private boolean usable(CompletableFuture<BackendProcess> future) {
        if (!future.isDone()) {
            return true;
        }
        if (future.state() != Future.State.SUCCESS) {
            // A failed start: ANCM tries again on the next request; Porter first waits out the start backoff, and
            // requests meanwhile get the same failure (502.5).
            return failedStartsInARow.get() > 0 && System.nanoTime() - retryStartAtNanos < 0;
        }
        BackendProcess process = future.resultNow();
        return !process.hasExited() && !process.isStopRequested();
    }

    /** The ready processes now (for tests and status). */
    List<BackendProcess> readyProcesses() {
        List<BackendProcess> ready = new ArrayList<>();
        for (AtomicReference<CompletableFuture<BackendProcess>> slot : slots) {
            CompletableFuture<BackendProcess> f = slot.get();
            if (f != null && f.state() == Future.State.SUCCESS && f.resultNow().isAlive()) {
                ready.add(f.resultNow());
            }
        }
        return ready;
    }

    // ---- start (virtual thread) ------------------------------------------------------------------------------------

    private void start(int index, AtomicReference<CompletableFuture<BackendProcess>> slot,
            CompletableFuture<BackendProcess> result) {
        try {
            result.complete(launchWithRetries(index, result));
        } catch (StartFailure e) {
            if (!e.stopping()) {
                failed(e.getMessage());
                failedStarts.incrementAndGet();
            }
            result.completeExceptionally(e); // stays in the slot: usable() tells when it may be tried again
        } catch (RuntimeException | Error e) {
            slot.compareAndSet(result, null);
            result.completeExceptionally(new StartFailure("Unexpected failure starting the process: " + e, false));
            throw e;
        }
    }

    /** Completes {@code result} itself as soon as a process is ready, before the bookkeeping of a start. */
    private BackendProcess launchWithRetries(int index, CompletableFuture<BackendProcess> result) {
        if (!allowStart()) {
            throw new StartFailure(ProcessEvents.rapidFailCountExceeded(config.rapidFailsPerMinute()), false);
        }
        LaunchCommand command = command();
        String token = environment.configuredToken().orElseGet(() -> UUID.randomUUID().toString());
        OutputCapture capture = new OutputCapture();
        boolean redirect = config.handlerFlagUnlessFalse("enableOutOfProcessConsoleRedirection");
        int port = 0;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (stopping) {
                throw new StartFailure("The application is shutting down.", true);
            }
            if (environment.configuredPort().isPresent()) {
                port = PortPicker.parseLikeWtoi(environment.configuredPort().get());
                if (!PortPicker.isInRange(port)) {
                    // a critical error: no second attempt (spec §1.1)
                    String text = ProcessEvents.portSetupFailed(appName, root, port, E_PORT_NOT_SET);
                    throw new StartFailure(text, false);
                }
            } else {
                port = PortPicker.pickFree();
                if (port < 0) {
                    ProcessEvents.startAttemptFailed(appName, root, command.commandLine(), "SetupListenPort",
                            E_PORT_NOT_SET, 0, attempt);
                    continue;
                }
            }
            BackendProcess process = launch(command, index, port, token, redirect, capture, attempt);
            if (process == null) {
                continue;
            }
            BackendProcess.Readiness readiness = process.awaitReady(config.startupTimeLimit(), () -> stopping);
            switch (readiness) {
                case READY -> {
                    failedStartsInARow.set(0);
                    readyStarts.incrementAndGet();
                    watchExit(index, process);
                    // the waiting requests go first; then the event and the debug log (cheap), and only once the
                    // first forward has ended the descendants' snapshot and the exposure check: walks over /proc that
                    // cost milliseconds of CPU a cold first response should neither wait for nor have taken from the
                    // child while it serves that response (POST_READY_WAIT)
                    result.complete(process);
                    ProcessEvents.started(appName, process.pid(), process.pid(), port);
                    debugLog.info("Started process " + process.pid() + " for slot " + index + " on port " + port
                            + ": listening " + process.startupMillis() + " ms after launch ("
                            + process.readinessProbes() + " readiness probes)");
                    process.awaitFirstForward(POST_READY_WAIT);
                    process.rememberDescendants();
                    warnIfReachableFromOutside(process);
                    return process;
                }
                case EXITED -> {
                    process.awaitOutputDrained(Duration.ofMillis(500));
                    ProcessEvents.startAttemptFailed(appName, root, command.commandLine(), "PostStartCheck",
                            E_PROCESS_EXITED, port, attempt);
                    debugLog.warning("Process " + process.pid() + " exited with code "
                            + process.process().exitValue() + " before listening on port " + port);
                    process.killSurvivingDescendants(List.of());
                }
                case TIMED_OUT -> {
                    process.kill();
                    ProcessEvents.notListening(appName, root, command.commandLine(), port);
                    ProcessEvents.startAttemptFailed(appName, root, command.commandLine(), "PostStartCheck",
                            E_TIMED_OUT, port, attempt);
                }
                case CANCELLED -> {
                    process.kill();
                    throw new StartFailure("The application is shutting down.", true);
                }
                case MISFIT -> {
                    // deterministic (the app's configuration): a second attempt would only do the same again
                    process.kill();
                    String text = ProcessEvents.listeningElsewhere(appName, root, command.commandLine(),
                            process.pid(), port, process.misfit());
                    debugLog.error(text);
                    String output = redirect ? capture.text() : "";
                    throw new StartFailure(text + (output.isEmpty() ? "" : "\r\nFirst 30KB characters of captured "
                            + "stdout and stderr logs:\r\n" + output), false);
                }
            }
        }
        StartFailure failure = new StartFailure(ProcessEvents.startFailed(appName, root, command.commandLine(), port,
                redirect ? capture.text() : ""), false);
        backOff();
        throw failure;
    }

    /** After a start whose launches failed: when the next one may be tried (see {@link #FIRST_START_BACKOFF}). */
    private void backOff() {
        int failures = failedStartsInARow.incrementAndGet();
        long delay = Math.min(MAX_START_BACKOFF.toNanos(),
                FIRST_START_BACKOFF.toNanos() << Math.min(failures - 1, 20));
        retryStartAtNanos = System.nanoTime() + delay;
        debugLog.warning("Start failed " + failures + " time(s) in a row; the next start is tried in "
                + TimeUnit.NANOSECONDS.toMillis(delay) + " ms at the earliest");
        ProcessEvents.LOG.warn("Application '{}' failed to start {} time(s) in a row; requests get 502.5 and the next "
                + "start is tried in {} ms at the earliest (start backoff)", appName, failures,
                TimeUnit.NANOSECONDS.toMillis(delay));
    }

    /** How many starts launched processes and failed since the last success (status, metrics). */
    int failedStartsInARow() {
        return failedStartsInARow.get();
    }

    /** A warning (once per process) when other machines can reach the child without Porter. */
    private void warnIfReachableFromOutside(BackendProcess process) {
        String exposure = StartDiagnosis.exposure(ListeningSockets.of(process.process().toHandle()), process.port());
        if (exposure != null) {
            ProcessEvents.reachableFromOutside(appName, process.pid(), exposure);
        }
    }

    /** Launches one child, or logs event 1000 and returns null. */
    private BackendProcess launch(LaunchCommand command, int index, int port, String token, boolean redirect,
            OutputCapture capture, int attempt) {
        Map<String, String> block = environment.forProcess(port, token);
        ProcessBuilder builder = new ProcessBuilder(command.commandFor(block, context.launchDirectory()))
                .directory(context.launchDirectory().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(block);
        Instant launchTime = Instant.now();
        boolean pipe = false;
        if (config.stdoutLogEnabled()) {
            Path file = StdoutLog.create(context.physicalPath(), config.stdoutLogFile(), launchTime);
            if (file != null) {
                StdoutLogRetention.prune(AppPaths.resolve(context.physicalPath(), config.stdoutLogFile()), file, config,
                        appName);
            }
            builder.redirectOutput(file == null ? ProcessBuilder.Redirect.DISCARD
                    : ProcessBuilder.Redirect.appendTo(file.toFile()));
        } else if (redirect) {
            builder.redirectOutput(ProcessBuilder.Redirect.PIPE);
            pipe = true;
        } else {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        debugLog.trace("Launching " + builder.command() + " in " + context.launchDirectory() + " on port " + port
                + " (attempt " + (attempt + 1) + ")");
        Process child;
        long launchNanos = System.nanoTime();
        try {
            child = ProcessLauncher.start(builder);
        } catch (IOException e) {
            ProcessEvents.startAttemptFailed(appName, root, command.commandLine(), "CreateProcess",
                    E_CREATE_PROCESS, port, attempt);
            debugLog.error("Cannot launch " + command.command() + ": " + e.getMessage());
            return null;
        }
        if (command.ownProcessGroup()) {
            ProcessWatchdog.register(child.pid());
        }
        return new BackendProcess(index, child, port, token, launchTime, launchNanos,
                pipe ? capture.drain(child.getInputStream(), child.pid()) : null, options);
    }

    // ---- crash (virtual thread) ------------------------------------------------------------------------------------

    private void watchExit(int index, BackendProcess process) {
        CompletableFuture<Void> unused = process.process().onExit().thenRunAsync(() -> exited(index, process),
                r -> Thread.ofVirtual().name("porter-exit-" + process.pid()).start(r));
    }

    private void exited(int index, BackendProcess process) {
        process.markExited();
        if (!process.isStopRequested()) {
            ProcessEvents.processShutDown(appName, root, process.pid(), process.port());
            debugLog.info("Process " + process.pid() + " exited with code " + process.process().exitValue());
            recordCrash();
            failed("Process " + process.pid() + " (port " + process.port() + ") exited unexpectedly with code "
                    + process.process().exitValue() + ".");
            process.killSurvivingDescendants(List.of());
            AtomicReference<CompletableFuture<BackendProcess>> slot = slots.get(index);
            CompletableFuture<BackendProcess> current = slot.get();
            if (current != null && current.state() == Future.State.SUCCESS && current.resultNow() == process) {
                slot.compareAndSet(current, null);
            }
        }
        process.forwarder().close(); // requests in flight on it end (502.3, or 503 once it was told to stop)
        process.exitHandled(); // requests that never reached it are routed again (OutOfProcessHandler)
    }

    private void failed(String text) {
        lastFailure = text;
        lastFailureAt = Instant.now();
    }

    /** Processes that became ready in this incarnation (for the admin endpoint). */
    long readyStarts() {
        return readyStarts.get();
    }

    /** Starts that failed (502.5) in this incarnation. */
    long failedStarts() {
        return failedStarts.get();
    }

    /** The last start failure (ANCM's event text, with the captured output) or crash, or null. */
    String lastFailure() {
        return lastFailure;
    }

    Instant lastFailureAt() {
        return lastFailureAt;
    }

    /** Whether a slot's start is under way now. */
    boolean isStarting() {
        for (AtomicReference<CompletableFuture<BackendProcess>> slot : slots) {
            CompletableFuture<BackendProcess> f = slot.get();
            if (f != null && !f.isDone()) {
                return true;
            }
        }
        return false;
    }

    private boolean allowStart() {
        rapidFailLock.lock();
        try {
            long now = clock.getAsLong();
            if (now - rapidFailWindowStart >= RAPID_FAIL_WINDOW.toNanos()) {
                rapidFailWindowStart = now;
                rapidFailCount = 0;
            }
            return rapidFailCount <= config.rapidFailsPerMinute();
        } finally {
            rapidFailLock.unlock();
        }
    }

    private void recordCrash() {
        rapidFailLock.lock();
        try {
            rapidFailCount++;
        } finally {
            rapidFailLock.unlock();
        }
    }

    // ---- stop ------------------------------------------------------------------------------------------------------

    /**
     * Stops every slot's process (spec §1.8): new requests get 503 from now on; each process gets
     * {@code beforeShutdown} (a quick hand-over, never a wait for requests in flight), then at once the shutdown
     * message, and is killed with its process group once {@code shutdownTimeLimit} has passed since the message. ANCM
     * stops slots one after the other; Porter stops them side by side, so that the whole stop takes
     * {@code shutdownTimeLimit} plus a small margin whatever {@code processesPerApplication} is. Any failure in a
     * slot's stop still ends with that process killed. Idempotent.
     */
    CompletableFuture<Void> stop(Consumer<BackendProcess> beforeShutdown) {
        if (stopping) {
            return stopped;
        }
        stopping = true;
        Thread.ofVirtual().name("porter-stop-" + appName).start(() -> {
            try {
                List<Thread> stops = new ArrayList<>();
                for (int i = 0; i < slots.size(); i++) {
                    CompletableFuture<BackendProcess> f = slots.get(i).get();
                    if (f != null) {
                        stops.add(Thread.ofVirtual().name("porter-stop-" + appName + "#" + i)
                                .start(() -> stopSlot(f, beforeShutdown)));
                    }
                }
                for (Thread t : stops) {
                    t.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.complete(null);
            }
        });
        return stopped;
    }

    private void stopSlot(CompletableFuture<BackendProcess> f, Consumer<BackendProcess> beforeShutdown) {
        BackendProcess process;
        try {
            // a start in progress notices `stopping` within one probe interval
            process = f.get(config.startupTimeLimit().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return;
        }
        if (!process.isAlive()) {
            return;
        }
        try {
            beforeShutdown.accept(process);
        } catch (RuntimeException e) {
            debugLog.warning("Preparing the stop of process " + process.pid() + " failed (" + e
                    + "); shutting it down anyway");
        }
        long t0 = System.nanoTime();
        try {
            boolean graceful = process.shutdown(config.shutdownTimeLimit(), context.virtualPath());
            debugLog.info("Process " + process.pid() + (graceful ? " stopped" : " killed") + " after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        } catch (RuntimeException | Error e) {
            // shutdown() has killed the process group on its way out
            debugLog.error("Stopping process " + process.pid() + " failed (" + e + "); it was killed");
        }
    }
}
