package dev.porter.hosting.servlet;

import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.eclipse.jetty.io.Content;

/**
 * The body of a request that has none (complete when it reached the app, as most GETs): every read answers EOF, or
 * the failure once the client is gone, and a demand is answered at once. No queue and no lock, as nothing arrives.
 *
 * <p>Threading: {@link #fail} on the event loop, the rest on the app's threads; one volatile field.
 */
final class NoRequestBody implements RequestBody {

    private final Executor executor;
    private final Supplier<Runnable> onContentAvailable;
    private volatile Content.Chunk end = Content.Chunk.EOF;

    NoRequestBody(Executor executor, Supplier<Runnable> onContentAvailable) {
        this.executor = executor;
        this.onContentAvailable = onContentAvailable;
    }

    @Override
    public Content.Chunk read() {
        return end;
    }

    @Override
    public void demand() {
        RequestBody.wake(onContentAvailable, executor);
    }

    @Override
    public void fail(Throwable failure) {
        end = Content.Chunk.from(failure, true);
    }

    @Override
    public void releaseAll() {
        // nothing was ever queued
    }
}
