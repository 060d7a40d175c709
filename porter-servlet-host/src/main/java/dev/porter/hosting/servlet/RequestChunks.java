package dev.porter.hosting.servlet;

import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;

/**
 * A request body on its way from Netty to Jetty (a request without one gets {@link NoRequestBody}): the exchange's
 * {@link HttpContent}s become {@link Content.Chunk}s without a copy (the chunk's release releases the Netty buffer),
 * request trailers become a {@link Trailers} chunk, and the end is {@link Content.Chunk#EOF} (or a failure chunk, for ever, once the client is gone).
 *
 * <p>Back-pressure: reading from the client pauses while more than {@value #PAUSE_AT} bytes wait for the app and
 * resumes below {@value #RESUME_BELOW}. Nothing is asked of the front server until Jetty first reads or demands, so
 * an {@code Expect: 100-continue} is answered only when the app reads (and never if it answers first).
 *
 * <p>Threading: {@link #onContent}, {@link #fail} run on the event loop; {@link #read}, {@link #demand} on the app's
 * threads. One lock guards the queue; Netty calls are always hopped onto the loop.
 */
final class RequestChunks implements RequestBody {

    static final int PAUSE_AT = 128 * 1024;
    static final int RESUME_BELOW = 32 * 1024;

    private final Exchange exchange;
    private final Executor executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Content.Chunk> queue = new ArrayDeque<>();
    private final Supplier<Runnable> onContentAvailable;
    private long queuedBytes;
    /** What read() answers once the queue is empty: EOF or a failure; null while more may come. */
    private Content.Chunk terminal;
    private boolean receiving;
    private boolean paused;
    private boolean demanded;

    /** On the event loop; {@code onContentAvailable} gives the channel's task for a pending demand. */
    RequestChunks(Exchange exchange, Executor executor, Supplier<Runnable> onContentAvailable) {
        this.exchange = exchange;
        this.executor = executor;
        this.onContentAvailable = onContentAvailable;
    }

    /** Jetty's {@code HttpStream.read()}: a chunk, or null when nothing is there yet. */
    @Override
    public Content.Chunk read() {
        boolean start = false;
        boolean resume = false;
        Content.Chunk c;
        lock.lock();
        try {
            c = queue.poll();
            if (c != null) {
                queuedBytes -= c.remaining();
                if (paused && queuedBytes < RESUME_BELOW) {
                    paused = false;
                    resume = true;
                }
            } else if (terminal != null) {
                c = terminal;
            } else if (!receiving) {
                receiving = true;
                start = true;
            }
        } finally {
            lock.unlock();
        }
        wakeFront(start, resume);
        return c;
    }

    /** Jetty's {@code HttpStream.demand()}: calls back (through the channel) once a read would return something. */
    @Override
    public void demand() {
        boolean start = false;
        boolean now = false;
        lock.lock();
        try {
            if (!queue.isEmpty() || terminal != null) {
                now = true;
            } else {
                demanded = true;
                if (!receiving) {
                    receiving = true;
                    start = true;
                }
            }
        } finally {
            lock.unlock();
        }
        wakeFront(start, false);
        if (now) {
            contentAvailable();
        }
    }

    private void wakeFront(boolean start, boolean resume) {
        if (start) {
            exchange.eventLoop().execute(() -> exchange.receiveBody(this::onContent));
        } else if (resume) {
            exchange.eventLoop().execute(exchange::resumeBody);
        }
    }

    /** On the loop: one piece of the body from the front server (owned from now on). */
    private void onContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        boolean wake;
        boolean pause = false;
        lock.lock();
        try {
            if (terminal != null) {
                content.release();
                return;
            }
            HttpFields trailers = last ? trailers(((LastHttpContent) content).trailingHeaders()) : null;
            ByteBuf buf = content.content();
            int n = buf.readableBytes();
            if (n > 0) {
                Runnable release = content::release;
                queue.add(Content.Chunk.from(buf.nioBuffer(), last && trailers == null, release));
                queuedBytes += n;
            } else {
                content.release();
            }
            if (last) {
                if (trailers != null) {
                    queue.add(new Trailers(trailers));
                }
                terminal = Content.Chunk.EOF;
            } else if (queuedBytes >= PAUSE_AT && !paused) {
                paused = true;
                pause = true;
            }
            wake = demanded && (!queue.isEmpty() || terminal != null);
            if (wake) {
                demanded = false;
            }
        } finally {
            lock.unlock();
        }
        if (pause) {
            exchange.pauseBody();
        }
        if (wake) {
            contentAvailable();
        }
    }

    private static HttpFields trailers(HttpHeaders headers) {
        if (headers.isEmpty()) {
            return null;
        }
        HttpFields.Mutable fields = HttpFields.build(headers.size());
        for (Map.Entry<String, String> e : headers) {
            fields.add(e.getKey(), e.getValue());
        }
        return fields;
    }

    /**
     * The client is gone (or the front server refused the body): what is queued is dropped, and every read from now on
     * fails with {@code failure}. A pending demand is dropped: the caller tells the channel of the failure.
     */
    @Override
    public void fail(Throwable failure) {
        lock.lock();
        try {
            Content.Chunk c;
            while ((c = queue.poll()) != null) {
                c.release();
            }
            queuedBytes = 0;
            terminal = Content.Chunk.from(failure, true);
            demanded = false;
        } finally {
            lock.unlock();
        }
    }

    /** Releases what the app never read (the exchange is over). */
    @Override
    public void releaseAll() {
        lock.lock();
        try {
            Content.Chunk c;
            while ((c = queue.poll()) != null) {
                c.release();
            }
            queuedBytes = 0;
        } finally {
            lock.unlock();
        }
    }

    private void contentAvailable() {
        RequestBody.wake(onContentAvailable, executor);
    }
}
