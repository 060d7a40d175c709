package dev.porter.hosting.outofprocess;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.Incarnation;
import dev.porter.hosting.outofprocess.forwarding.ForwardOutcome;
import dev.porter.hosting.outofprocess.forwarding.Forwarder;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import dev.porter.hosting.outofprocess.forwarding.OutcomeListener;
import dev.porter.server.Exchange;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of an out-of-process application (ANCM's {@code OUT_OF_PROCESS_APPLICATION} with its forwarding
 * handler): a {@link ProcessManager} whose every ready process gets its own {@link Forwarder}.
 *
 * <p>A request takes the ready process with the fewest requests outstanding (beyond ANCM's round-robin) and is
 * forwarded at once, on its event loop; when none is ready it waits, without blocking the loop, for the slot's start
 * (its body is held by the exchange meanwhile) and then is forwarded, or answered 502.5 (start failed, detail with
 * detailed errors) or 503 (the application began stopping). Once stopping, every new request gets 503.
 *
 * <p>What follows a forward is decided here, on the {@link ForwardOutcome} the forwarder reports
 * ({@link #forwarded}). A killed backend (spec §1.5, §1.7): requests in flight on it get 502.3, and are never retried.
 * A request that picked the process just before its exit was seen, and so never reached it (the connect was refused,
 * or the exit closed the forwarder first: {@link ForwardOutcome.NotSent}), waits for the process manager to see the
 * exit ({@link BackendProcess#whenExitSeen}, at most {@link #EXIT_WAIT}) and is then routed again as if it had just
 * arrived: it waits for the restart through the normal start path ({@code startupTimeLimit},
 * {@code rapidFailsPerMinute}, 502.5 when refused). ANCM answers those 502.3 too (it has no retry); Porter's judgement
 * is that nothing of such a request was sent, so it is not a retried forward but a request for an application that is
 * not running, and "a SIGKILL costs only the requests in flight" holds exactly. A backend that is alive but refuses
 * connections still gets 502.3. A request the app dropped unanswered once it was told to stop
 * ({@link ForwardOutcome.Unanswered}) gets the 503 of every request that arrives once the app is stopping.
 *
 * <p>Stopping: each request is admitted through {@link AdmittedRequests} (counted until its exchange ends, 503 once
 * stopping), so an overlapped recycle's old incarnation knows without asking the event loops when the last request it
 * took is done, and only then tells its processes to stop.
 *
 * <p>Threading: {@link #handle} and the outcome's follow-up run on event loops; starts, exits and {@link #stop} on
 * virtual threads.
 */
final class OutOfProcessHandler implements ApplicationHandler, OutcomeListener<BackendProcess> {

    private static final Logger LOG = LoggerFactory.getLogger(OutOfProcessHandler.class);
    /** How long a refused connect waits for the process's exit to be seen before it counts as a live refusal. */
    static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final ApplicationContext context;
    private final AspNetCoreConfig config;
    private final ForwardingOptions options;
    private final ModuleDebugLog debugLog;
    private final ProcessManager manager;
    private final AdmittedRequests admitted = new AdmittedRequests();

    OutOfProcessHandler(ApplicationContext context) {
        this.context = context;
        this.config = context.webConfig().aspNetCore();
        // IIS's <webSocket enabled>, as ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED tells the app (BackendEnvironment)
        this.options = ForwardingOptions.of(config, context.webConfig().webSocketEnabled());
        this.debugLog = ModuleDebugLog.of(config, context.physicalPath(), context.environment());
        this.manager = new ProcessManager(context, debugLog, options);
    }

    ProcessManager manager() {
        return manager;
    }

    /**
     * Admits the request (counted until its exchange ends, {@link AdmittedRequests}; 503 once stopping) and routes it.
     */
    @Override
    public void handle(Exchange exchange) {
        if (!admitted.admit(exchange)) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        route(exchange);
    }

    /** Forwards to a ready process, or waits for a start. On the exchange's loop; also for a request routed again. */
    private void route(Exchange exchange) {
        if (manager.isStopping()) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        CompletableFuture<BackendProcess> process = manager.processFor();
        if (process.state() == Future.State.SUCCESS) {
            forward(exchange, process.resultNow());
            return;
        }
        exchange.resumeWhen(process, (ready, failure) -> started(exchange, ready, failure));
    }

    /** On the exchange's loop, once the slot's start has ended. */
    private void started(Exchange exchange, BackendProcess ready, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof ProcessManager.StartFailure start && start.stopping()) {
                ErrorResponses.shuttingDown(exchange);
            } else {
                ErrorResponses.send(exchange, context, AncmError.OUT_OF_PROCESS_STARTUP_FAILURE, cause.getMessage(),
                        null);
            }
            return;
        }
        if (manager.isStopping()) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        forward(exchange, ready);
    }

    /** The handler itself hears the outcome, with the process as the attachment: nothing is allocated to carry it. */
    private void forward(Exchange exchange, BackendProcess process) {
        process.forwarder().send(exchange, this, process);
    }

    /**
     * What follows a forward, on the exchange's loop: nothing when it is settled; for a request the process never had,
     * routing it again once the process manager has seen the process's exit (or 502.3 when the process stays alive
     * and refuses: {@link #EXIT_WAIT}); for one a stopping app dropped, 503; otherwise the forwarder's 502.3.
     */
    @Override
    public void forwarded(Exchange exchange, ForwardOutcome outcome, BackendProcess process) {
        process.forwardEnded();
        if (outcome.settled() || exchange.isDone()) {
            return;
        }
        Forwarder forwarder = process.forwarder();
        switch (outcome) {
            case ForwardOutcome.NotSent notSent when notSent.reason() != ForwardOutcome.Reason.CONNECT_TIMED_OUT -> {
                if (process.whenExitSeen().isDone()) {
                    debugLog.trace("Process " + process.pid() + " is gone and never had " + exchange.request().method()
                            + " " + exchange.request().uri() + ": routed again");
                    exchange.handleWith(this::route);
                } else {
                    // a process being killed closes its listener just before its exit is seen
                    exchange.resumeWhen(process.whenExitSeen().copy().orTimeout(EXIT_WAIT.toMillis(),
                            TimeUnit.MILLISECONDS), (gone, notGone) -> {
                                if (notGone == null) {
                                    exchange.handleWith(this::route);
                                } else {
                                    forwarder.answer(exchange, notSent);
                                }
                            });
                }
            }
            case ForwardOutcome.Unanswered unanswered when process.isStopRequested() -> {
                LOG.debug("{} {}: the application at port {} is stopping and closed the connection without answering; "
                        + "503", exchange.request().method(), exchange.request().uri(), process.port());
                ErrorResponses.shuttingDown(exchange);
            }
            default -> forwarder.answer(exchange, outcome);
        }
    }

    /** Starts every slot's process (the starts run on virtual threads; their failures are logged as usual). */
    @Override
    public void preload() {
        for (int i = 0; i < config.processesPerApplication(); i++) {
            CompletableFuture<BackendProcess> unused = manager.processFor();
        }
    }

    /** Every slot's process, as {@link #preload} starts them; completes when all are ready, fails with the first. */
    @Override
    public CompletableFuture<Void> start() {
        return manager.startEverySlot();
    }

    @Override
    public boolean isServing() {
        return !manager.isStopping() && !manager.readyProcesses().isEmpty();
    }

    /** A fixed {@code ASPNETCORE_PORT} (environmentVariables) can be listened on by one process at a time only. */
    @Override
    public boolean canStartBeside() {
        return manager.choosesItsPorts();
    }

    @Override
    public Incarnation describe() {
        List<BackendProcess> ready = manager.readyProcesses();
        String state = manager.isStopping() ? Incarnation.STOPPING
                : !ready.isEmpty() ? Incarnation.RUNNING
                : manager.isStarting() ? Incarnation.STARTING
                : manager.lastFailure() != null ? Incarnation.FAILED : Incarnation.IDLE;
        java.time.Instant since = null;
        for (BackendProcess p : ready) {
            java.time.Instant readyAt = p.launchTime().plusMillis(p.startupMillis());
            since = since == null || readyAt.isBefore(since) ? readyAt : since;
        }
        return new Incarnation(state, ready.stream().map(BackendProcess::pid).toList(), since, manager.readyStarts(),
                manager.failedStarts(), manager.lastFailure(), manager.lastFailureAt());
    }

    /**
     * Stops (spec §1.8): from now on requests get 503; then every slot's process gets the shutdown message at once
     * (requests and WebSocket tunnels in flight are the app's to finish: it heard that it is stopping) and is killed
     * once {@code shutdownTimeLimit} has passed since the message.
     */
    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        boolean first = !manager.isStopping();
        CompletableFuture<Void> drained = admitted.close();
        long deadline = System.nanoTime() + config.shutdownTimeLimit().toNanos();
        CompletableFuture<Void> stopped = manager.stop(process -> {
            if (reason == StopReason.REPLACED) {
                awaitDrained(process, drained, deadline);
            }
        });
        if (first) {
            debugLog.info("Stopping the application (" + reason + ")");
        }
        return stopped;
    }

    /**
     * Replaced by a newer incarnation (overlapped recycle): the requests this incarnation admitted finish, and then its
     * WebSocket tunnels on {@code process} close, before the process hears that it is stopping (a server such as the
     * JDK's drops requests it has not read yet when it stops), for up to {@code shutdownTimeLimit}; then the usual stop
     * follows. Blocking, on the stop's virtual thread.
     */
    private void awaitDrained(BackendProcess process, CompletableFuture<Void> drained, long deadline) {
        Forwarder forwarder = process.forwarder();
        try {
            drained.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            forwarder.whenIdle().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            debugLog.info("Process " + process.pid() + " still had " + Math.max(admitted.count(), forwarder.inFlight())
                    + " request(s) or tunnel(s) after " + config.shutdownTimeLimit().toMillis()
                    + " ms of draining; stopping it anyway");
        } catch (ExecutionException e) {
            // neither future fails
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
