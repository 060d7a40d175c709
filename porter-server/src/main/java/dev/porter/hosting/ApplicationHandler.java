package dev.porter.hosting;

import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;

/**
 * One running (or failed) incarnation of an application under one hosting model: the out-of-process process manager
 * with its forwarder, an in-process app domain, or one of the module's own answers (app_offline, configuration error).
 * An {@link ApplicationHost} creates one lazily on the first request and replaces it on recycle.
 */
public interface ApplicationHandler {

    /** Answers a request; called on the exchange's event loop, must not block. */
    void handle(Exchange exchange);

    /**
     * Stops gracefully (spec §1.8 out-of-process, §3.4 in-process): requests that still reach this handler get 503,
     * in-flight ones may finish within the shutdown time limit. Idempotent; the future completes when stopped.
     */
    CompletableFuture<Void> stop(StopReason reason);

    /**
     * IIS application preload ({@code preloadEnabled}): starts the application now, without a request (an
     * out-of-process app's processes, an in-process app's domain). Never blocks; a failure is reported as a start
     * failure is, and the next request tries again. The module's own answers (app_offline, configuration error) have
     * nothing to start.
     */
    default void preload() {
    }

    /**
     * Starts the application now, as {@link #preload} does, for an overlapped recycle: the future completes once the
     * incarnation serves and fails (its message says why, as the start failure event does) when it will not. Never
     * blocks. The module's own answers have nothing to start and complete at once.
     */
    default CompletableFuture<Void> start() {
        preload();
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Whether the application is serving now (a ready process, a started app domain). Only a serving incarnation is
     * worth overlapping: one that never started is simply replaced, and the next request starts the new one.
     */
    default boolean isServing() {
        return false;
    }

    /**
     * Whether this incarnation can start while an older one of the same application still runs. False when
     * something it needs can be held by one incarnation only (a fixed {@code ASPNETCORE_PORT}).
     */
    default boolean canStartBeside() {
        return true;
    }

    /**
     * What this incarnation can tell the admin endpoint (state, process ids, starts, last failure), or null for the
     * module's own answers (app_offline, configuration error), which the host describes itself. Must not block.
     */
    default Incarnation describe() {
        return null;
    }

    /** Why an application stops: decides the log event and whether a new incarnation may follow. */
    enum StopReason {
        APP_OFFLINE,
        CONFIG_CHANGE,
        /**
         * An overlapped recycle: a newer incarnation already serves every new request, so this one first lets the
         * requests it was given finish (up to {@code shutdownTimeLimit}), as an IIS worker process that a recycle
         * replaced, and only then stops as usual.
         */
        REPLACED,
        SERVER_SHUTDOWN
    }
}
