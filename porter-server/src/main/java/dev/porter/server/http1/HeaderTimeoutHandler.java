package dev.porter.server.http1;

import dev.porter.server.errors.ErrorPages;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Head of the pipeline, before the codec: bounds the time a connection may spend without a complete request head
 * (http.sys's connection timers). An idle keep-alive connection is closed silently after {@code connectionTimeout};
 * once bytes of a head have arrived the client has {@code headerWaitTimeout} to finish it, else it gets 408 and the
 * connection is closed (slowloris, RFC 9110 section 15.5.9). While a request body is on its way, a client that sends
 * nothing for {@code connectionTimeout} is reported to the dispatcher (http.sys's EntityBody timer), which answers 408
 * or cuts the exchange off. Otherwise not running while a request is being answered: the hosting module has its own
 * timeouts.
 *
 * <p>One timer per connection, re-armed lazily as Netty's IdleStateHandler does: a request/response cycle only moves a
 * deadline; the timer, when it fires early, schedules itself for the rest. A head that arrives whole in one read never
 * touches the timer. State is confined to the channel's event loop.
 */
public final class HeaderTimeoutHandler extends ChannelDuplexHandler {

    private final long idleNanos;
    private final long headerNanos;
    private final boolean stream;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /** When the scheduled timer fires (System.nanoTime). */
    private long timerAt;
    /** When the connection times out if still waiting (System.nanoTime). */
    private long deadline;
    private boolean waitingForHead;
    private boolean headStarted;
    /** Counts waits, so that a read can tell whether the wait it started in is still the current one. */
    private int waits;
    /** A request body is expected: reads are timed. */
    private boolean watchingBody;
    private long lastReadNanos;
    private Runnable bodyStalled;

    public HeaderTimeoutHandler(Duration connectionTimeout, Duration headerWaitTimeout) {
        this(connectionTimeout, headerWaitTimeout, false);
    }

    /**
     * @param stream on an HTTP/2 stream: the head has arrived when the stream exists (its channel is made for its
     *     HEADERS) and there is no next head, so only the request body is timed; the connection's idle time is the
     *     HTTP/2 connection's own
     */
    public HeaderTimeoutHandler(Duration connectionTimeout, Duration headerWaitTimeout, boolean stream) {
        this.idleNanos = connectionTimeout.toNanos();
        this.headerNanos = headerWaitTimeout.toNanos();
        this.stream = stream;
    }

    /** Who hears of a stalled request body (the dispatcher). */
    void onBodyStalled(Runnable listener) {
        this.bodyStalled = listener;
    }

    /** A request body is on its way: from now, {@code connectionTimeout} without a byte is a stall. */
    void awaitBody() {
        if (idleNanos <= 0) {
            return;
        }
        watchingBody = true;
        lastReadNanos = System.nanoTime();
        deadline = lastReadNanos + idleNanos;
        ensureTimer();
    }

    /** The request body is complete, or the exchange is over. */
    void bodyDone() {
        watchingBody = false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        if (context.channel().isActive() && !stream) {
            // Added after the connection became active (after TLS and ALPN, or h2c detection): no channelActive
            // follows, so the wait for the first head starts now.
            awaitNextHead(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext context) throws Exception {
        if (!stream) {
            awaitNextHead(false);
        }
        super.channelActive(context);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
        if (watchingBody) {
            lastReadNanos = System.nanoTime();
        }
        boolean starting = waitingForHead && !headStarted && msg instanceof ByteBuf buf && buf.isReadable();
        int wait = waits;
        if (starting) {
            headStarted = true;
        }
        super.channelRead(context, msg);
        if (starting && waitingForHead && wait == waits && headerNanos > 0) {
            // The head did not arrive whole in this read: the header wait runs from its first read. The clock is
            // read only now (a head that arrives whole, the usual case, never reads it): later by this read's
            // decoding, microseconds against a wait of seconds.
            deadline = System.nanoTime() + headerNanos;
            ensureTimer();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        cancel();
        super.channelInactive(context);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        cancel(); // an upgraded connection keeps no HTTP timer
    }

    /** A whole request head was decoded: the request is in the hosting module's hands now. */
    void headReceived() {
        waitingForHead = false;
        headStarted = false;
    }

    /**
     * The previous response is complete and the connection stays open: wait for the next head. {@code headPending}:
     * part of it has already arrived (pipelined), so the header wait runs, not the idle timeout.
     */
    void awaitNextHead(boolean headPending) {
        waits++;
        waitingForHead = true;
        headStarted = headPending;
        long nanos = headPending ? headerNanos : idleNanos;
        if (nanos > 0) {
            deadline = System.nanoTime() + nanos;
            ensureTimer();
        } else {
            deadline = Long.MAX_VALUE;
        }
    }

    private void ensureTimer() {
        if (timer != null && timerAt - deadline <= 0) {
            return; // fires no later than needed; it re-arms itself for the rest
        }
        cancel();
        timerAt = deadline;
        timer = ctx.executor().schedule(this::expired, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (watchingBody) {
            long quiet = System.nanoTime() - lastReadNanos;
            if (quiet < idleNanos) {
                deadline = lastReadNanos + idleNanos;
                ensureTimer();
            } else {
                watchingBody = false;
                bodyStalled.run();
            }
            return;
        }
        if (!waitingForHead) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            timerAt = deadline;
            timer = ctx.executor().schedule(this::expired, left, TimeUnit.NANOSECONDS);
            return;
        }
        waitingForHead = false;
        if (!headStarted) {
            ctx.channel().close();
            return;
        }
        FullHttpResponse response = ErrorPages.response(HttpResponseStatus.REQUEST_TIMEOUT,
                "The client did not send a complete request head in time (webLimits headerWaitTimeout).", true);
        // Through the whole pipeline, so that the encoder (after this handler) writes it.
        ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
