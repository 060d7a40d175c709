package dev.porter.hosting.outofprocess;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.Incarnation;
import dev.porter.hosting.outofprocess.forwarding.BackendTarget;
import dev.porter.hosting.outofprocess.forwarding.Forwarder;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import dev.porter.server.Exchange;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * One incarnation of an out-of-process application (ANCM's {@code OUT_OF_PROCESS_APPLICATION} with its forwarding
 * handler): a {@link ProcessManager} whose every ready process gets its own {@link Forwarder}.
 *
 * <p>A request takes the ready process with the fewest requests outstanding (beyond ANCM's round-robin) and is
 * forwarded at once, on its event loop; when none is ready it waits, without blocking the loop, for the slot's start
 * (its body is held by the exchange meanwhile) and then is forwarded, or answered 502.5 (start failed, detail with
 * detailed errors) or 503 (the application began stopping). Once stopping, every new request gets 503.
 *
 * <p>A killed backend (spec §1.5, §1.7): requests in flight on it get 502.3, and are never retried. A request that
 * picked the process just before its exit was seen, and so never reached it (the connect was refused, or the exit
 * watch closed the forwarder first), is taken back here and handled as if it had just arrived: it waits for the restart
 * through the normal start path ({@code startupTimeLimit}, {@code rapidFailsPerMinute}, 502.5 when refused). ANCM
 * answers those 502.3 too (it has no retry); Porter's judgement is that nothing of such a request was sent, so it is
 * not a retried forward but a request for an application that is not running, and "a SIGKILL costs only the requests
 * in flight" holds exactly. A backend that is alive but refuses connections still gets 502.3.
 *
 * <p>Threading: {@link #handle} runs on event loops; starts, exits and {@link #stop} on virtual threads.
 */
final class OutOfProcessHandler implements ApplicationHandler {

    private final ApplicationContext context;
    private final AspNetCoreConfig config;
    private final ForwardingOptions options;
    private final ModuleDebugLog debugLog;
    private final ProcessManager manager;

    OutOfProcessHandler(ApplicationContext context) {
        this.context = context;
        this.config = context.webConfig().aspNetCore();
        // IIS's <webSocket enabled>, as ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED tells the app (BackendEnvironment)
        this.options = ForwardingOptions.of(config, context.webConfig().webSocketEnabled());
        this.debugLog = ModuleDebugLog.of(config, context.physicalPath(), context.environment());
        this.manager = new ProcessManager(context, debugLog, this::attachForwarder, this::detachForwarder);
    }

    ProcessManager manager() {
        return manager;
    }

    @Override
    public void handle(Exchange exchange) {
        if (manager.isStopping()) {
            ErrorResponses.shuttingDown(exchange);
            return;
        }
        CompletableFuture<BackendProcess> process = manager.processFor();
        if (process.state() == Future.State.SUCCESS) {
            process.resultNow().forwarder().forward(exchange);
            return;
        }
        exchange.resumeWhen(process, (ready, failure) -> started(exchange, ready, failure));
    }

    /** On the exchange's loop, once the slot's start has ended. */
    private void started(Exchange exchange, BackendProcess ready, Throwable failure) {
        if (exchange.isDone()) {
            return;
        }
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
        ready.forwarder().forward(exchange);
    }

    /** Starts every slot's process (the starts run on virtual threads; their failures are logged as usual). */
    @Override
    public void preload() {
        for (int i = 0; i < config.processesPerApplication(); i++) {
            manager.processFor();
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

    private void attachForwarder(BackendProcess process) {
        process.forwarder(new Forwarder(new BackendTarget(process.address(), process.token()), options,
                process::hasExited, this::handle));
    }

    private void detachForwarder(BackendProcess process) {
        Forwarder forwarder = process.forwarder();
        if (forwarder != null) {
            forwarder.close(); // requests still in flight on a crashed process end with 502.3
        }
    }

    /**
     * Stops (spec §1.8): from now on requests get 503; then every slot's process gets the shutdown message at once
     * (requests and WebSocket tunnels in flight are the app's to finish: it heard that it is stopping) and is killed
     * once {@code shutdownTimeLimit} has passed since the message.
     */
    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        boolean first = !manager.isStopping();
        CompletableFuture<Void> stopped = manager.stop(process -> {
            passEveryEventLoop();
            if (reason == StopReason.REPLACED) {
                awaitIdle(process);
            }
            Forwarder forwarder = process.forwarder();
            if (forwarder != null) {
                forwarder.stopRequested();
            }
        });
        if (first) {
            debugLog.info("Stopping the application (" + reason + ")");
        }
        return stopped;
    }

    /**
     * Replaced by a newer incarnation (overlapped recycle): the requests already forwarded to {@code process} finish
     * before it hears that it is stopping (a server such as the JDK's drops requests it has not read yet when it
     * stops), for up to {@code shutdownTimeLimit}; then the usual stop follows. Blocking, on the stop's virtual thread.
     */
    private void awaitIdle(BackendProcess process) {
        Forwarder forwarder = process.forwarder();
        if (forwarder == null) {
            return;
        }
        try {
            forwarder.whenIdle().get(config.shutdownTimeLimit().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            debugLog.info("Process " + process.pid() + " still had " + forwarder.inFlight() + " request(s) after "
                    + config.shutdownTimeLimit().toMillis() + " ms of draining; stopping it anyway");
        } catch (java.util.concurrent.ExecutionException e) {
            // whenIdle does not fail
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A request that saw "not stopping" is forwarded in the same event-loop task, so once every loop has run one task
     * after the stopping flag was set, {@link Forwarder#inFlight} counts every request this process will get.
     */
    private void passEveryEventLoop() {
        EventLoopGroup loops = context.eventLoops();
        if (loops == null) {
            return;
        }
        List<io.netty.util.concurrent.Future<?>> passes = new ArrayList<>();
        for (EventExecutor loop : loops) {
            try {
                passes.add(loop.submit(() -> { }));
            } catch (RejectedExecutionException e) {
                // shutting down: nothing new arrives on it
            }
        }
        for (io.netty.util.concurrent.Future<?> pass : passes) {
            pass.awaitUninterruptibly(1_000);
        }
    }
}
