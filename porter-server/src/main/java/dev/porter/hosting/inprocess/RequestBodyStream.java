package dev.porter.hosting.inprocess;

import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-process request body as the app's {@code HttpExchange.getRequestBody()}: fed on the exchange's event loop
 * from {@link Exchange#receiveBody}, read by the handler thread. At most about 128 KiB wait here: above that the client
 * connection stops being read ({@link Exchange#pauseBody}) until the handler has read it down below 32 KiB, so a slow
 * reader slows the client instead of filling the heap. The pause/resume decisions are all taken on the event loop.
 * Reads fail once the client has gone ({@code The client has disconnected}) and when the body outgrows
 * {@code maxRequestBodySize} ({@code Request body too large.}, answered 413 if the app does not catch it).
 *
 * <p>Threading: {@link #onContent}, {@link #fail} and the resume check on the event loop; {@code read} on one handler
 * thread at a time (blocking is meant for virtual threads, see {@link InProcessOptions#allowSynchronousIO}).
 */
final class RequestBodyStream extends InputStream {

    static final int PAUSE_ABOVE = 128 * 1024;
    static final int RESUME_BELOW = 32 * 1024;

    private final Exchange front;
    private final InProcessExchange owner;
    /** With its condition, made by {@link #start} for a request with a body: a GET reads none and takes no lock. */
    private ReentrantLock lock;
    private Condition available;
    /** Allocated by the first content: most requests (a GET) have no body. */
    private ArrayDeque<ByteBuf> queue;
    private long queuedBytes;
    private long receivedBytes;
    private boolean end;
    private boolean pausedHere;
    private boolean resumePosted;
    private IOException failure;
    private volatile boolean closed; // volatile (and started): without a body they are read and written unlocked
    private volatile boolean started;
    private long limit = Long.MAX_VALUE;
    private long declaredLength = -1;

    RequestBodyStream(Exchange front, InProcessExchange owner) {
        this.front = front;
        this.owner = owner;
    }

    /**
     * Starts receiving (on the event loop, before the handler thread starts), with the app's body size limit; the
     * head's Content-Length is checked on the first read, so that a handler can still change the limit before it
     * reads.
     */
    void start(long maxBodySize) {
        limit = maxBodySize;
        if (front.isRequestComplete() && front.requestBodyBytes() == 0) {
            // No body (a GET, Content-Length: 0), or an empty one already here: nothing to receive, nothing to lock.
            end = true;
            return;
        }
        declaredLength = io.netty.handler.codec.http.HttpUtil.getContentLength(front.request(), -1L);
        lock = new ReentrantLock();
        available = lock.newCondition();
        front.receiveBody(this::onContent);
    }

    /** On the event loop: a piece of the body; ownership passes here. */
    private void onContent(HttpContent content) {
        ByteBuf data = content.content();
        boolean last = content instanceof LastHttpContent;
        lock.lock();
        try {
            if (closed || failure != null) {
                content.release();
                return;
            }
            int n = data.readableBytes();
            receivedBytes += n;
            if (receivedBytes > limit) {
                content.release();
                failLocked(tooLarge());
                return;
            }
            if (n > 0) {
                if (queue == null) {
                    queue = new ArrayDeque<>(4);
                }
                queue.add(data);
                queuedBytes += n;
            } else {
                content.release();
            }
            if (last) {
                end = true;
            }
            available.signalAll();
            if (!end && !pausedHere && queuedBytes > PAUSE_ABOVE) {
                pausedHere = true;
                front.pauseBody();
            }
        } finally {
            lock.unlock();
        }
    }

    private IOException tooLarge() {
        owner.bodyTooLarge();
        return new IOException("Request body too large.");
    }

    /** On the event loop: reads fail from now on (client gone, or the body was refused). */
    void fail(IOException cause) {
        if (lock == null) {
            return; // no body: it has all been read (there is nothing to fail)
        }
        lock.lock();
        try {
            failLocked(cause);
        } finally {
            lock.unlock();
        }
    }

    private void failLocked(IOException cause) {
        if (failure == null && !(end && isEmpty())) {
            failure = cause;
        }
        releaseQueued();
        available.signalAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        owner.checkSynchronousIO(true);
        if (lock == null) {
            started = true;
            if (closed) {
                throw new IOException("Stream is closed");
            }
            return -1;
        }
        lock.lock();
        try {
            if (!started) {
                started = true;
                if (declaredLength > limit && failure == null) {
                    failLocked(tooLarge());
                }
            }
            while (true) {
                if (failure != null) {
                    throw new IOException(failure.getMessage(), failure);
                }
                if (closed) {
                    throw new IOException("Stream is closed");
                }
                if (!isEmpty()) {
                    break;
                }
                if (end) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                available.awaitUninterruptibly();
            }
            int total = 0;
            while (total < len && !isEmpty()) {
                ByteBuf head = queue.peek();
                int n = Math.min(len - total, head.readableBytes());
                head.readBytes(b, off + total, n);
                total += n;
                if (!head.isReadable()) {
                    queue.poll().release();
                }
            }
            queuedBytes -= total;
            if (pausedHere && !resumePosted && queuedBytes < RESUME_BELOW) {
                resumePosted = true;
                front.eventLoop().execute(this::resumeIfDrained);
            }
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** On the event loop: the reader has caught up; read from the client again. */
    private void resumeIfDrained() {
        lock.lock();
        try {
            resumePosted = false;
            if (pausedHere && (queuedBytes < RESUME_BELOW || closed || failure != null)) {
                pausedHere = false;
                if (!front.isDone() || !front.isRequestComplete()) {
                    front.resumeBody();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        if (lock == null) {
            return 0;
        }
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, queuedBytes);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the app has started reading (then the body size limit can no longer change). */
    boolean started() {
        return started;
    }

    /** Sets the limit before the first read; applies to what has not arrived yet as well. */
    void limit(long maxBodySize) {
        if (lock == null) {
            limit = maxBodySize; // (no body: nothing to check it against)
            return;
        }
        lock.lock();
        try {
            limit = maxBodySize;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (lock == null) {
            closed = true;
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            releaseQueued();
            available.signalAll();
            if (pausedHere && !resumePosted) {
                resumePosted = true;
                front.eventLoop().execute(this::resumeIfDrained);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    private void releaseQueued() {
        if (queue != null) {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }
        queuedBytes = 0;
    }
}
