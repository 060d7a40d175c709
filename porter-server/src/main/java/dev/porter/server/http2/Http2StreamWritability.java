package dev.porter.server.http2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * On an HTTP/2 connection's pipeline, after the stream multiplexer: tells the connection's streams when the connection
 * drains (becomes writable again), so that back-pressure on a stream can also follow its connection. A stream's
 * exchange counts as unwritable while its connection is ({@link Exchange#isWritable()}): without that, each of up to
 * {@code http2MaxConcurrentStreams} streams of a client that reads nothing holds its own high-water mark of writes (and
 * an in-process handler its own 256 KiB), so one connection could hold about 30 MiB. Netty's multiplexer announces a
 * stream's writability only when the stream's own state changes; this stage fires the event on every open stream when
 * the connection's changes to writable, and the exchange's listener (the forwarder resuming backend reads, an
 * in-process writer waking up) looks again. Confined to the connection's event loop; streams register themselves
 * when their channel is initialised and leave when it closes.
 */
public final class Http2StreamWritability extends ChannelInboundHandlerAdapter {

    public static final String NAME = "h2-stream-writability";

    private final List<Channel> streams = new ArrayList<>();
    private final ChannelFutureListener remove = f -> streams.remove(f.channel());

    /** Called on the event loop when a stream channel is initialised. */
    public void add(Channel stream) {
        streams.add(stream);
        stream.closeFuture().addListener(remove);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && !streams.isEmpty()) {
            for (Channel stream : streams.toArray(new Channel[0])) {
                stream.pipeline().fireChannelWritabilityChanged();
            }
        }
        super.channelWritabilityChanged(ctx);
    }
}
