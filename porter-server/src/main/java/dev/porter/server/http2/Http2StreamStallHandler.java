package dev.porter.server.http2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of an HTTP/2 stream's pipeline (the stream channel's end towards the connection, below the frame codec):
 * resets a stream whose response makes no progress for {@code connectionTimeout} while the connection itself keeps
 * moving, so that MinSendRateHandler (which watches the whole connection) never sees it backed up. That is a
 * client that leaves one stream's flow-control window at 0 (RFC 9113 section 6.9) while it reads others: the stream's
 * DATA waits in Netty's flow controller, its writes never complete, the stream channel stays unwritable, and the
 * hosting module behind it (a backend connection held back, an in-process handler thread blocked in its write) would
 * wait for ever. The reset is RST_STREAM(CANCEL) (closing the stream channel), which ends the exchange as a client
 * disconnect does; one INFO line names the client and the stream.
 *
 * <p>Progress is a DATA frame of this stream written to the connection's socket (its write completed). While the
 * connection itself is backed up (unwritable), the stream's wait is the connection's, judged by MinSendRateHandler
 * with the same limits, and does not count here. The watch runs
 * only while the stream channel is unwritable (more than its high-water mark of writes not yet on the socket): a check
 * every {@link #CHECK_MILLIS} that re-arms itself, no timer per request. Cost on the fast path: one shared listener on
 * each DATA frame's write. Confined to the stream's event loop (the connection's).
 */
public final class Http2StreamStallHandler extends ChannelDuplexHandler implements ChannelFutureListener {

    public static final String NAME = "h2-stream-stall";
    static final long CHECK_MILLIS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(Http2StreamStallHandler.class);

    private final long stallNanos;
    private ChannelHandlerContext ctx;
    /** DATA frames of this stream whose write completed. */
    private long completed;
    private long completedAtLastCheck;
    private long lastProgressNanos;
    private ScheduledFuture<?> check;

    public Http2StreamStallHandler(long stallMillis) {
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof Http2DataFrame) {
            ChannelPromise p = promise.isVoid() ? context.newPromise() : promise;
            p.addListener(this);
            context.write(msg, p);
            return;
        }
        context.write(msg, promise);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
        if (future.isSuccess()) {
            completed++;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) throws Exception {
        if (context.channel().isWritable()) {
            cancel(); // it moved: a watch starts afresh when it next backs up
        } else if (check == null && context.channel().isActive()) {
            completedAtLastCheck = completed;
            lastProgressNanos = context.executor().ticker().nanoTime();
            schedule();
        }
        super.channelWritabilityChanged(context);
    }

    private void schedule() {
        check = ctx.executor().schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void check() {
        check = null;
        if (!ctx.channel().isActive() || ctx.channel().isWritable()) {
            return; // writable again: the watch starts over when it next backs up
        }
        long now = ctx.executor().ticker().nanoTime();
        Channel connection = ctx.channel().parent();
        if (completed != completedAtLastCheck || (connection != null && !connection.isWritable())) {
            // progress; or the whole connection is backed up, which is MinSendRateHandler's to judge
            completedAtLastCheck = completed;
            lastProgressNanos = now;
        }
        if (now - lastProgressNanos >= stallNanos) {
            LOG.info("Reset HTTP/2 stream {} of client {}: no byte of its response moved for {} ms while it waited on"
                            + " the stream's flow-control window (webLimits connectionTimeout {} ms)",
                    ctx.channel().id().asShortText(), ctx.channel().remoteAddress(),
                    TimeUnit.NANOSECONDS.toMillis(now - lastProgressNanos), TimeUnit.NANOSECONDS.toMillis(stallNanos));
            ctx.channel().close();
            return;
        }
        schedule();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        cancel();
        super.channelInactive(context);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        cancel();
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
