package dev.porter.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Head of the pipeline, before the codec: bounds the time a connection may spend without a complete request head.
 * An idle keep-alive connection is closed silently after {@code connectionTimeout}; once bytes of a head have arrived
 * the client has {@code headerWaitTimeout} to finish it, else it gets 408 and the connection is closed (slowloris).
 * Disarmed while a request is being answered: the hosting module has its own timeouts.
 * State is confined to the channel's event loop.
 */
final class HeaderTimeoutHandler extends ChannelDuplexHandler {

    private final long idleNanos;
    private final long headerNanos;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean waitingForHead;
    private boolean headStarted;

    HeaderTimeoutHandler(Duration connectionTimeout, Duration headerWaitTimeout) {
        this.idleNanos = connectionTimeout.toNanos();
        this.headerNanos = headerWaitTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) throws Exception {
        awaitNextHead(false);
        super.channelActive(context);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
        if (waitingForHead && !headStarted && msg instanceof ByteBuf buf && buf.isReadable()) {
            headStarted = true;
            arm(headerNanos);
        }
        super.channelRead(context, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        cancel();
        super.channelInactive(context);
    }

    /** A whole request head was decoded: the request is in the hosting module's hands now. */
    void headReceived() {
        waitingForHead = false;
        headStarted = false;
        cancel();
    }

    /**
     * The previous response is complete and the connection stays open: wait for the next head. {@code headPending}:
     * part of it has already arrived (pipelined), so the header wait runs, not the idle timeout.
     */
    void awaitNextHead(boolean headPending) {
        waitingForHead = true;
        headStarted = headPending;
        arm(headPending ? headerNanos : idleNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        cancel(); // an upgraded connection keeps no HTTP timer
    }

    private void arm(long nanos) {
        cancel();
        if (nanos > 0) {
            timer = ctx.executor().schedule(this::expired, nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!waitingForHead || !ctx.channel().isActive()) {
            return;
        }
        if (!headStarted) {
            ctx.channel().close();
            return;
        }
        byte[] body = ErrorPages.simple(HttpResponseStatus.REQUEST_TIMEOUT,
                "The client did not send a complete request head in time.");
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.wrappedBuffer(body));
        ErrorPages.addHeaders(response, body.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // Through the whole pipeline, so that the encoder (after this handler) writes it.
        ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        waitingForHead = false;
    }
}
