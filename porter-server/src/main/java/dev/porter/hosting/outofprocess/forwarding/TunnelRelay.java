package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The only stage of each side of an upgraded (WebSocket, spec/ancm-contract.md §1.6) connection after HTTP is removed:
 * copies bytes to the peer channel as they come and flushes at the end of each read burst. Backpressure: when the peer
 * cannot take more, this side stops reading until the peer drains. When either side closes or fails, the peer is
 * flushed and closed too. Both channels share one event loop, so no state crosses threads.
 */
final class TunnelRelay extends ChannelInboundHandlerAdapter {

    static final String NAME = "porter-tunnel";

    private final Channel peer;

    TunnelRelay(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closePeer();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closePeer();
    }

    private void closePeer() {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            peer.close();
        }
    }
}
