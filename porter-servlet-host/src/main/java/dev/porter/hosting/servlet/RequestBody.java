package dev.porter.hosting.servlet;

import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * A request's body as Jetty reads it ({@code HttpStream.read/demand}): {@link RequestChunks} for a body still on its
 * way, {@link NoRequestBody} for a request that has none.
 *
 * <p>Threading: {@link #read}, {@link #demand} on the app's threads; {@link #fail} on the event loop;
 * {@link #releaseAll} on whichever thread ends the exchange.
 */
sealed interface RequestBody permits RequestChunks, NoRequestBody {

    /** The body for the exchange's request, on the event loop; {@code onContentAvailable} wakes a pending demand. */
    static RequestBody of(dev.porter.server.Exchange exchange, Executor executor,
            Supplier<Runnable> onContentAvailable) {
        return exchange.isRequestComplete() ? new NoRequestBody(executor, onContentAvailable)
                : new RequestChunks(exchange, executor, onContentAvailable);
    }

    /** A chunk, or null when nothing is there yet. */
    Content.Chunk read();

    /** Calls back (through the channel) once a read would return something. */
    void demand();

    /** The client is gone: every read from now on fails with {@code failure}. */
    void fail(Throwable failure);

    /** Releases what the app never read (the exchange is over). */
    void releaseAll();

    /**
     * Runs the channel's task for a demand: at once when it only wakes a blocked reader (cheap and safe anywhere), on
     * the executor when it is app code (a {@code ReadListener}'s {@code onDataAvailable}).
     */
    static void wake(Supplier<Runnable> onContentAvailable, Executor executor) {
        Runnable task = onContentAvailable.get();
        if (task == null) {
            return;
        }
        if (Invocable.getInvocationType(task) == Invocable.InvocationType.NON_BLOCKING) {
            task.run();
        } else {
            executor.execute(task);
        }
    }
}
