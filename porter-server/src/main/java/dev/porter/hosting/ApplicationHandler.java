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
        SERVER_SHUTDOWN
    }
}
