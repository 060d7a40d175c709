package dev.porter.hosting.outofprocess;

import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests an out-of-process incarnation has admitted and not yet finished, counted as Jetty's
 * {@code GracefulHandler} counts them: one more when {@link OutOfProcessHandler#handle} admits a request, one less when
 * its exchange ends ({@link Exchange#onEnd}), whether it was forwarded, waited for a start, was routed again or was
 * answered here. Once {@link #close} is called nothing more is admitted, and its future completes when the count
 * reaches zero: an overlapped recycle's old incarnation tells its processes to stop only after that (or
 * {@code shutdownTimeLimit}).
 *
 * <p>{@link #admit} counts the request before it reads whether the incarnation is closing, and {@link #close} sets
 * that before it reads the count, so every request is either refused or counted, and none slips between the check and
 * the count (no task has to pass through every event loop to make sure).
 *
 * <p>Threading: {@link #admit} on the exchange's event loop; {@link #close} and {@link #count} from any thread.
 */
final class AdmittedRequests {

    private final AtomicInteger count = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final Runnable release = this::release;
    private volatile boolean closed;

    /**
     * Counts {@code exchange} until it ends; false, counting nothing, once {@link #close} was called (the request is
     * the caller's to refuse).
     */
    boolean admit(Exchange exchange) {
        count.incrementAndGet();
        if (closed) {
            release();
            return false;
        }
        exchange.onEnd(release);
        return true;
    }

    private void release() {
        if (count.decrementAndGet() == 0 && closed) {
            drained.complete(null);
        }
    }

    /** Admits nothing more; the future completes once every admitted request has ended. Idempotent. */
    CompletableFuture<Void> close() {
        closed = true;
        if (count.get() == 0) {
            drained.complete(null);
        }
        return drained;
    }

    /** Requests admitted and not ended now. */
    int count() {
        return count.get();
    }
}
