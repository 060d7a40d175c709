package dev.porter.hosting.outofprocess.forwarding;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Last stage of a backend connection's pipeline, after the {@code HttpClientCodec}: hands what the backend sends to the
 * {@link ProxyExchange} the connection currently serves, or, while the connection idles in its {@link BackendPool},
 * treats anything but silence as the end of it (a backend that closes or sends unasked bytes is not reused). State is
 * confined to the connection's event loop, which is also the client's.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "porter-backend";

    private final BackendPool pool;
    private ProxyExchange current;

    BackendHandler(BackendPool pool) {
        this.pool = pool;
    }

    void attach(ProxyExchange exchange) {
        this.current = exchange;
    }

    void detach() {
        this.current = null;
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
            exchange.backendWritabilityChanged();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pool.discard(ctx.channel());
        ProxyExchange exchange = current;
        current = null;
        if (exchange != null) {
            exchange.backendClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyExchange exchange = current;
        current = null;
        ctx.close();
        if (exchange != null) {
            exchange.backendClosed(cause);
        }
    }
}
