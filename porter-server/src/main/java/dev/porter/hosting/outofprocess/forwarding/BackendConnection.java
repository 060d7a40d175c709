package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One proxy-to-server connection (a keep-alive TCP connection to the backend), as the last stage of its pipeline, after
 * the request encoder and the {@link BackendResponseDecoder}: sends the requests and hands what the backend sends to
 * the {@link ProxyExchange} the connection currently serves, or, while the connection idles in its
 * {@link BackendPool}, treats anything but silence as the end of it (a backend that closes or sends unasked bytes is
 * not reused). State is confined to the connection's event loop, which is also the client's.
 *
 * <p>It also carries the connection's {@code requestTimeout} watch (spec/ancm-contract.md §1.5): one timer per
 * connection, armed by the first exchange and re-armed only when it fires, rather than one scheduled and cancelled per
 * request (a priority-queue insert and removal, and a task object, on every forward). When it fires it asks the
 * exchange being served how long the backend has been silent ({@link ProxyExchange#timerFired}); an idle connection
 * lets it lapse and the next exchange arms it again. Since every exchange on the connection has the same limit, a timer
 * armed earlier always fires no later than the current exchange's own deadline.
 */
// Netty's channel operations are fire-and-forget here: writes go with the void promise, whose failures reach the
// pipeline (exceptionCaught, then close), and nobody could act on a failed close.
@SuppressWarnings("FutureReturnValueIgnored")
final class BackendConnection extends ChannelInboundHandlerAdapter {

    static final String NAME = "porter-backend";

    private final BackendPool pool;
    private Channel channel;
    /** Where an already-encoded request head enters the pipeline: past the encoder, straight to the socket. */
    private ChannelHandlerContext encoder;
    private BackendResponseDecoder decoder;
    private ProxyExchange current;
    private ScheduledFuture<?> timer;

    BackendConnection(BackendPool pool) {
        this.pool = pool;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
        this.encoder = ctx.pipeline().context(BackendPool.ENCODER);
        this.decoder = (BackendResponseDecoder) ctx.pipeline().get(BackendPool.CODEC);
    }

    /** Sends a request head (with its body if it is a whole request) through the encoder, and flushes. */
    void send(HttpRequest head) {
        decoder.expect(head.method());
        channel.writeAndFlush(head, channel.voidPromise());
    }

    /**
     * Sends a whole bodyless request, already encoded ({@link ProxyRequestHead#encodeBodyless}): it skips the encoder,
     * whose state stays between messages, and the response decoder is told the method the encoder would have seen.
     */
    void send(ByteBuf encodedRequest, HttpMethod method) {
        decoder.expect(method);
        encoder.writeAndFlush(encodedRequest, channel.voidPromise());
    }

    Channel channel() {
        return channel;
    }

    void attach(ProxyExchange exchange) {
        this.current = exchange;
    }

    void detach() {
        this.current = null;
    }

    /** Makes sure the timeout watch fires within {@code delayNanos}; a watch already armed fires sooner. */
    void watch(long delayNanos) {
        if (timer == null) {
            timer = channel.eventLoop().schedule(this::timerFired, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void timerFired() {
        timer = null;
        ProxyExchange exchange = current;
        if (exchange != null) {
            exchange.timerFired();
        }
    }

    private void cancelWatch() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelWatch(); // a WebSocket tunnel replaced this stage
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ProxyExchange exchange = current;
        if (exchange == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // bytes nobody asked for: the connection's framing cannot be trusted any more
            return;
        }
        exchange.serverToProxy(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ProxyExchange exchange = current;
        if (exchange != null) {
            exchange.serverReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ProxyExchange exchange = current;
        if (exchange != null) {
            exchange.serverWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelWatch();
        pool.discard(this);
        ProxyExchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.serverClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyExchange exchange = current;
        current = null;
        ctx.close();
        if (exchange != null) {
            exchange.serverClosed(cause);
        }
    }
}
