package dev.porter.hosting.inprocess;

import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-process response body as the app's {@code HttpExchange.getResponseBody()}. Bytes collect in a buffer of up to
 * 8 KiB (sized to the declared length, or growing from 512 bytes); a full buffer, {@code flush()} or the end of the
 * body hands them to the exchange's event loop as one {@link HttpContent} (a large write goes in pieces of up to
 * 64 KiB, uncopied into the buffer). Whatever is handed over is flushed once 64 KiB wait. The response head waits for
 * the first of those hand-overs, so a small response (head, body and end) crosses to the event loop once, as one full
 * response; a fixed-length body written in one {@code write} skips the buffer, and its hand-over takes no lock.
 * Backpressure: while more than 256 KiB handed over are not yet written to the client's socket, the writing thread
 * blocks, so a fast producer and a slow client never fill the heap. After the client has gone, writes are dropped
 * silently (spec §3.3).
 *
 * <p>Framing follows {@code sendResponseHeaders}: a length above 0 is exact (too many bytes throw, too few at close
 * abort the connection), 0 means chunked, -1 (and HEAD, 204, 304) means no body — that response is complete at once.
 *
 * <p>Threading: written by one handler thread at a time; the credit callbacks come from the event loop.
 */
final class ResponseBodyStream extends OutputStream {

    static final int BUFFER_SIZE = 8192;
    static final int MIN_BUFFER = 512;
    static final int SMALL_COPY = 128;
    static final int BLOCK_ABOVE = 256 * 1024;
    static final int FLUSH_ABOVE = 64 * 1024;
    static final int LARGE_PIECE = 64 * 1024;

    private final Exchange front;
    private final InProcessExchange owner;
    /**
     * Guards {@link #outstanding}; made by the handler thread's first hand-over that is not the last, so a small
     * response never allocates it. {@link #credit} is written before it and read after it.
     */
    private volatile ReentrantLock lock;
    private Condition credit;
    private long outstanding; // handed to the event loop, not yet written to the socket
    private volatile boolean aborted;

    private byte[] buffer;
    private int count;
    private HttpResponse pendingHead;
    private long declaredLength = -1; // -1: chunked
    private long written;
    private boolean started;
    private boolean finished;
    private boolean discardWrites;

    ResponseBodyStream(Exchange front, InProcessExchange owner) {
        this.front = front;
        this.owner = owner;
    }

    /** From {@code sendResponseHeaders}: the head goes out with the first body bytes (or now, without a body). */
    void begin(HttpResponse head, long length, boolean noBody) {
        begin(head, length, noBody, false);
    }

    /** @param discard a HEAD response: what the handler writes as the body is dropped silently, as IIS does */
    void begin(HttpResponse head, long length, boolean noBody, boolean discard) {
        started = true;
        discardWrites = discard;
        pendingHead = head;
        if (noBody) {
            declaredLength = 0;
            finish();
        } else {
            declaredLength = length > 0 ? length : -1;
        }
    }

    boolean started() {
        return started;
    }

    /** Whether the response is complete (or was cut off): nothing more can be sent. */
    boolean finished() {
        return finished;
    }

    /**
     * Forgets a response whose head has not left for the event loop yet (nothing reached the client), so that a
     * failing handler can still be answered 500. Returns whether it did.
     */
    boolean resetIfUnsent() {
        if (!started || pendingHead == null || finished) {
            return !started;
        }
        pendingHead = null;
        count = 0;
        written = 0;
        started = false;
        return true;
    }

    /** On the event loop: the client is gone. */
    void abort() {
        aborted = true;
        ReentrantLock l = this.lock;
        if (l == null) {
            return; // nobody waits: a writer that makes the lock sees aborted when it takes it
        }
        l.lock();
        try {
            credit.signalAll();
        } finally {
            l.unlock();
        }
    }

    @Override
    public void write(int b) throws IOException {
        if (discardWrites) {
            return;
        }
        checkWritable(1);
        if (aborted) {
            return;
        }
        ensureRoom(1);
        buffer[count++] = (byte) b;
        written++;
        afterWrite();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (discardWrites) {
            return;
        }
        checkWritable(len);
        if (aborted || len == 0) {
            return;
        }
        written += len;
        if (count == 0 && declaredLength > 0 && written == declaredLength && len <= LARGE_PIECE) {
            // The common small response: its whole fixed-length body in one write. It goes to the event loop as
            // is, with the head, without passing through (or allocating) the buffer.
            ByteBuf body = copy(b, off, len);
            finished = true;
            send(body, true, true);
            owner.responseFinished();
            return;
        }
        if (len <= BUFFER_SIZE - count) {
            ensureRoom(len);
            System.arraycopy(b, off, buffer, count, len);
            count += len;
        } else {
            // Bigger than what is left: send what is buffered, then this in pieces of up to 64 KiB.
            ship(false, false);
            while (len > 0) {
                int n = Math.min(len, LARGE_PIECE);
                if (n < BUFFER_SIZE && !(declaredLength > 0 && written == declaredLength)) {
                    ensureRoom(n);
                    System.arraycopy(b, off, buffer, 0, n);
                    count = n;
                } else {
                    ByteBuf piece = front.alloc().buffer(n);
                    piece.writeBytes(b, off, n);
                    if (len == n && declaredLength > 0 && written == declaredLength) {
                        // The last piece of a fixed-length body: it ends the response.
                        finished = true;
                        send(piece, true, true);
                        owner.responseFinished();
                        return;
                    }
                    send(piece, false, false);
                }
                off += n;
                len -= n;
            }
        }
        afterWrite();
    }

    /**
     * Makes room for {@code n} more bytes (with {@code count + n <= BUFFER_SIZE}). The buffer starts as small as the
     * body needs (a declared length, else what is written, at least {@link #MIN_BUFFER}) and doubles up to
     * {@link #BUFFER_SIZE}: a small response never pays for zeroing 8 KiB.
     */
    private void ensureRoom(int n) {
        int need = count + n;
        byte[] b = buffer;
        if (b != null && need <= b.length) {
            return;
        }
        int size;
        if (b == null && declaredLength > 0) {
            size = (int) Math.min(BUFFER_SIZE, Math.max(need, declaredLength));
        } else {
            size = Math.min(BUFFER_SIZE, Math.max(need, b == null ? MIN_BUFFER : b.length * 2));
        }
        buffer = b == null ? new byte[size] : java.util.Arrays.copyOf(b, size);
    }

    /**
     * {@code b[off, off + len)} as a buffer for the event loop. Up to {@link #SMALL_COPY} bytes (what Netty's encoder
     * copies into the response head's own buffer anyway) that is a plain array, which costs the handler thread less
     * than a pooled direct buffer taken from outside the event loop.
     */
    private ByteBuf copy(byte[] b, int off, int len) {
        if (len <= SMALL_COPY) {
            return Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(b, off, off + len));
        }
        ByteBuf data = front.alloc().buffer(len);
        data.writeBytes(b, off, len);
        return data;
    }

    private void checkWritable(int len) throws IOException {
        owner.checkSynchronousIO(false);
        if (finished && !aborted) {
            throw new IOException(declaredLength == 0 ? "response headers were sent with no body (-1): "
                    + "nothing may be written" : "stream is closed");
        }
        if (!started) {
            throw new IOException("sendResponseHeaders must be called before writing the response body");
        }
        if (declaredLength > 0 && written + len > declaredLength) {
            throw new IOException("too many bytes to write to stream");
        }
    }

    private void afterWrite() {
        if (declaredLength > 0 && written == declaredLength) {
            finish(); // the whole fixed-length body is here: complete without waiting for close()
        } else if (count == BUFFER_SIZE) {
            ship(false, false);
        }
    }

    @Override
    public void flush() throws IOException {
        owner.checkSynchronousIO(false);
        if (!finished && started && !aborted) {
            ship(false, true);
        }
    }

    @Override
    public void close() throws IOException {
        if (finished || aborted) {
            finished = true;
            owner.responseFinished();
            return;
        }
        if (!started) {
            // Closed without a response: as the JDK's server, the connection ends — unless the handler is unwinding
            // from an exception (try (exchange) {...}), which then gets its 500.
            if (owner.deferClose()) {
                return;
            }
            finished = true;
            front.eventLoop().execute(front::abort);
            owner.responseFinished();
            return;
        }
        if (declaredLength > 0 && written < declaredLength) {
            if (pendingHead != null) {
                // Nothing reached the client: it gets a 500 rather than a cut connection.
                pendingHead = null;
                count = 0;
                begin(InProcessExchange.errorHead(500), 0, true);
            } else {
                finished = true;
                front.eventLoop().execute(front::abort);
                owner.responseFinished();
            }
            throw new IOException("insufficient bytes written to stream");
        }
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        ship(true, true);
        owner.responseFinished();
    }

    /** Hands the buffered bytes (and the head, if still here) to the event loop. */
    private void ship(boolean last, boolean flush) {
        ByteBuf data = null;
        if (count > 0) {
            data = copy(buffer, 0, count);
            count = 0;
        } else if (pendingHead == null && !last && !flush) {
            return;
        }
        send(data, last, flush);
    }

    /**
     * Hands {@code data} (may be null) and the pending head to the event loop; flushes when asked or when enough is
     * waiting (a write that is never flushed never completes, and the writer would wait for ever); then blocks while
     * too much is unwritten.
     */
    private void send(ByteBuf data, boolean last, boolean flush) {
        HttpResponse head = pendingHead;
        pendingHead = null;
        int size = data == null ? 0 : data.readableBytes();
        boolean flushNow = flush || last;
        // The last hand-over is not counted: nobody waits for credit after it (a small response never takes the lock).
        if (size > 0 && !last) {
            ReentrantLock l = lock();
            l.lock();
            try {
                outstanding += size;
                flushNow |= outstanding >= FLUSH_ABOVE;
            } finally {
                l.unlock();
            }
        }
        boolean doFlush = flushNow;
        front.eventLoop().execute(() -> writeOnLoop(head, data, size, last, doFlush));
        if (!last) {
            awaitCredit();
        }
    }

    private void writeOnLoop(HttpResponse head, ByteBuf data, int size, boolean last, boolean flush) {
        if (front.isDone()) {
            if (data != null) {
                data.release();
            }
            if (!last) {
                credit(size);
            }
            return;
        }
        if (head != null && last) {
            ByteBuf body = data == null ? Unpooled.EMPTY_BUFFER : data;
            if (declaredLength < 0) {
                // Chunked, but the whole body is here: send it with its length.
                head.headers().setInt(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH,
                        body.readableBytes());
            }
            front.writeHead(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), body, head.headers(),
                    EmptyHttpHeaders.INSTANCE));
            return;
        }
        if (head != null) {
            front.writeHead(head);
        }
        if (data == null && !last) {
            front.flush();
            return;
        }
        HttpContent content = last ? (data == null ? LastHttpContent.EMPTY_LAST_CONTENT
                : new DefaultLastHttpContent(data)) : new DefaultHttpContent(data);
        ChannelFuture f = front.writeContent(content, flush || last);
        if (size > 0 && !last) {
            f.addListener(done -> credit(size));
        }
    }

    private void credit(int size) {
        if (size == 0) {
            return;
        }
        ReentrantLock l = this.lock; // made by the send() that counted size
        l.lock();
        try {
            outstanding -= size;
            if (outstanding <= BLOCK_ABOVE) {
                credit.signalAll();
            }
        } finally {
            l.unlock();
        }
    }

    /**
     * On the event loop, HTTP/2 only: the stream's (or its connection's) writability changed. Over HTTP/2 the writer
     * also waits while the exchange is unwritable with more than {@link #FLUSH_ABOVE} (all of it flushed) outstanding,
     * so that a connection's streams together hold a bounded amount, not 256 KiB each.
     */
    void writabilityChanged() {
        ReentrantLock l = this.lock;
        if (l == null) {
            return; // nobody waits: a writer that makes the lock reads the writability when it takes it
        }
        l.lock();
        try {
            credit.signalAll();
        } finally {
            l.unlock();
        }
    }

    /** On the handler thread: the lock, made now if this is the first hand-over that needs it. */
    private ReentrantLock lock() {
        ReentrantLock l = lock;
        if (l == null) {
            l = new ReentrantLock();
            credit = l.newCondition();
            lock = l;
        }
        return l;
    }

    private void awaitCredit() {
        boolean http2 = front.isHttp2();
        ReentrantLock l = lock();
        l.lock();
        try {
            while ((outstanding > BLOCK_ABOVE || (http2 && outstanding > FLUSH_ABOVE && !front.isWritable()))
                    && !aborted) {
                credit.awaitUninterruptibly();
            }
        } finally {
            l.unlock();
        }
    }
}
