package dev.porter.server.http1;

import dev.porter.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of a client connection's pipeline, next to the socket (before TLS, and on an HTTP/2 connection, before
 * the frame codec, so it applies per connection): cuts off a client that does not take its response. This is
 * http.sys's MinSendRate, IIS's {@code webLimits minBytesPerSecond} (default 240 bytes/s, 0 disables), plus its
 * {@code connectionTimeout} for a response that makes no progress at all (a connection on which nothing moves is
 * inactive). No RFC sets such a limit; RFC 9110 section 9.3 leaves the server free to close a connection it cannot
 * serve, and this one holds a worker: a backend connection held back by backpressure, or an in-process handler thread
 * blocked in its write.
 *
 * <p>The watch starts when a flush leaves bytes in Netty's outbound buffer (the kernel's send buffer is full: the
 * client is not keeping up), or the connection becomes unwritable, and ends when everything queued has gone to the
 * kernel. While it runs, a check every {@link #CHECK_MILLIS} counts the bytes that moved to the socket since the
 * watch began (bytes written through this stage, minus what is still queued). The connection is reset when no byte
 * moved for {@code connectionTimeout}, or when, after {@link #GRACE_MILLIS}, the average since the watch began is
 * below {@code minBytesPerSecond} (the grace lets a connection start: Kestrel's MinResponseDataRate has the same 5 s).
 * Closing ends the exchange as any client disconnect does: its {@code onAbort} runs, an in-process handler's write
 * fails, a backend connection is closed, never pooled. The reset (SO_LINGER 0) drops the unsent bytes at once rather
 * than leaving them to the kernel for a peer that does not read. One INFO line names the client and the limit.
 *
 * <p>On epoll the socket gets {@code TCP_NOTSENT_LOWAT} ({@link #NOTSENT_LOWAT}): the kernel then holds at most that
 * much unsent data beyond what the client's window lets through, so what leaves Netty's buffer is close to what the
 * client takes, and a slow client's progress is seen in window-sized steps instead of a third of an autotuned
 * multi-megabyte send buffer; it also keeps less of a response in the kernel per slow connection.
 *
 * <p>Cost on the fast path (a client that takes its responses): one addition per write, one look at the outbound
 * buffer's pending count per flush. No timer per request: the
 * check is scheduled only while a connection is backed up, and re-arms itself. Time is the event loop's ticker (so
 * {@code EmbeddedChannel} tests can move it). Confined to the channel's event loop. An upgraded connection (a
 * WebSocket tunnel) keeps the stage: a client that stops taking what the app pushes is cut off the same way.
 */
public final class MinSendRateHandler extends ChannelDuplexHandler {

    static final String NAME = "min-send-rate";
    static final long CHECK_MILLIS = 1_000;
    static final long GRACE_MILLIS = 5_000;
    static final long NOTSENT_LOWAT = 128 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(MinSendRateHandler.class);

    private final long minBytesPerSecond;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private MessageSizeEstimator.Handle sizes;
    /** Bytes handed towards the socket through this stage, as the outbound buffer counts them. */
    private long written;
    private ScheduledFuture<?> check;
    private long watchStartNanos;
    private long watchStartSent;
    private long lastProgressNanos;
    private long lastSent;
    private boolean cut;

    private MinSendRateHandler(long minBytesPerSecond, long idleNanos) {
        this.minBytesPerSecond = minBytesPerSecond;
        this.idleNanos = idleNanos;
    }

    /** Puts the stage first on a new client connection, unless both limits are off. */
    public static void install(Channel ch, ServerConfig.WebLimits limits) {
        long idleNanos = limits.connectionTimeout().toNanos();
        if (limits.minBytesPerSecond() <= 0 && idleNanos <= 0) {
            return;
        }
        ch.pipeline().addFirst(NAME, new MinSendRateHandler(limits.minBytesPerSecond(), idleNanos));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.sizes = context.channel().config().getMessageSizeEstimator().newHandle();
        if (Epoll.isAvailable() && context.channel() instanceof EpollSocketChannel epoll) {
            try {
                epoll.config().setTcpNotSentLowAt(NOTSENT_LOWAT);
            } catch (ChannelException e) {
                // a kernel without the option (before Linux 3.12): progress is seen in coarser steps, nothing more
                LOG.debug("TCP_NOTSENT_LOWAT not set on {}: {}", context.channel(), e.toString());
            }
        }
    }

    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) throws Exception {
        int size = sizes.size(msg);
        if (size > 0) {
            written += size;
        }
        context.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext context) throws Exception {
        context.flush();
        if (check == null && !cut) {
            // The socket did not take everything: the client is behind (on HTTP/2 the flow controller writes only up
            // to the high-water mark, so the connection may never become unwritable).
            ChannelOutboundBuffer out = context.channel().unsafe().outboundBuffer();
            if (out != null && out.totalPendingWriteBytes() > 0) {
                startWatch();
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) throws Exception {
        if (!context.channel().isWritable() && check == null && !cut) {
            startWatch();
        }
        super.channelWritabilityChanged(context);
    }

    private void startWatch() {
        long now = ctx.executor().ticker().nanoTime();
        long sent = sent();
        watchStartNanos = now;
        watchStartSent = sent;
        lastProgressNanos = now;
        lastSent = sent;
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

    /** Bytes that have left Netty's outbound buffer for the socket. */
    private long sent() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null) {
            return written;
        }
        long partial = out.current() instanceof ByteBuf ? out.currentProgress() : 0;
        return written - out.totalPendingWriteBytes() + partial;
    }

    private void schedule() {
        check = ctx.executor().schedule(this::check, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void check() {
        check = null;
        Channel ch = ctx.channel();
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        if (!ch.isActive() || out == null) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        long sent = sent();
        if (sent != lastSent) {
            lastSent = sent;
            lastProgressNanos = now;
        }
        long pending = out.totalPendingWriteBytes();
        if (pending == 0 && ch.isWritable()) {
            return; // all of it went to the kernel: nothing waits on the client now
        }
        if (idleNanos > 0 && now - lastProgressNanos >= idleNanos) {
            cutOff(pending, "no byte of its response moved for " + millis(now - lastProgressNanos)
                    + " ms (webLimits connectionTimeout " + millis(idleNanos) + " ms)");
            return;
        }
        long elapsed = now - watchStartNanos;
        if (minBytesPerSecond > 0 && elapsed >= TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS)) {
            long moved = sent - watchStartSent;
            double rate = moved * 1e9 / elapsed;
            if (rate < minBytesPerSecond) {
                cutOff(pending, "it took " + moved + " bytes of its response in " + millis(elapsed) + " ms ("
                        + (long) rate + " bytes/s), below webLimits minBytesPerSecond " + minBytesPerSecond);
                return;
            }
        }
        schedule();
    }

    private void cutOff(long pending, String why) {
        cut = true;
        LOG.info("Cut off client {}: {}; {} bytes were waiting for it", ctx.channel().remoteAddress(), why, pending);
        // A reset: the kernel drops what the client did not take instead of holding it for a peer that does not read.
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.channel().close();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
