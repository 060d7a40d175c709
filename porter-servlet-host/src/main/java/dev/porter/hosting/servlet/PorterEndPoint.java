package dev.porter.hosting.servlet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * What Jetty sees as the "end point" of a request Porter's front server handed over as objects. For an ordinary
 * request no bytes flow through it (bodies go through {@link PorterHttpStream}); servlet code asks it for addresses
 * and the idle timeout only. After a protocol upgrade (WebSocket: the app answered 101 and Jetty created its
 * connection on this end point) Porter binds it to the client's Netty channel ({@link #bind}): bytes the client sends
 * are queued by {@link #inbound()} and read by Jetty's connection with {@link #fill}; {@link #flush} writes to the
 * channel, and says "not now" while the channel is not writable (Jetty then waits for {@code completeWrite}, called
 * when the channel drains) — the back-pressure of a slow client.
 *
 * <p>Threading: the inbound handler runs on the channel's event loop; fill/flush on Jetty's threads; the queue is
 * guarded by {@code this}. Fill interest is woken on the executor (Jetty's callbacks may run app code).
 */
final class PorterEndPoint extends AbstractEndPoint {

    private final SocketAddress local;
    private final SocketAddress remote;
    private final Executor executor;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private boolean inputEnded;
    private volatile Channel channel;

    PorterEndPoint(Scheduler scheduler, Executor executor, SocketAddress local, SocketAddress remote) {
        super(scheduler);
        this.executor = executor;
        this.local = local;
        this.remote = remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    /** On the loop, once the 101 is written: from now on this end point is the client connection. */
    void bind(Channel upgraded) {
        this.channel = upgraded;
    }

    /** The Netty handler that feeds this end point (added to the upgraded channel's pipeline). */
    ChannelInboundHandlerAdapter inbound() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof ByteBuf buf)) {
                    io.netty.util.ReferenceCountUtil.release(msg);
                    return;
                }
                synchronized (PorterEndPoint.this) {
                    queue.add(buf);
                }
                wakeReader();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                synchronized (PorterEndPoint.this) {
                    inputEnded = true;
                }
                wakeReader();
                executor.execute(() -> close());
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                    executor.execute(() -> getWriteFlusher().completeWrite());
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        };
    }

    private void wakeReader() {
        executor.execute(() -> getFillInterest().fillable());
    }

    @Override
    public int fill(ByteBuffer buffer) {
        synchronized (this) {
            if (queue.isEmpty()) {
                if (inputEnded || (channel == null && isOutputShutdown())) {
                    shutdownInput();
                    return -1;
                }
                return 0;
            }
            int pos = BufferUtil.flipToFill(buffer);
            int n = 0;
            try {
                ByteBuf head;
                while (buffer.hasRemaining() && (head = queue.peek()) != null) {
                    int take = Math.min(buffer.remaining(), head.readableBytes());
                    int limit = buffer.limit();
                    buffer.limit(buffer.position() + take);
                    head.readBytes(buffer);
                    buffer.limit(limit);
                    n += take;
                    if (!head.isReadable()) {
                        queue.poll().release();
                    }
                }
            } finally {
                BufferUtil.flipToFlush(buffer, pos);
            }
            if (n > 0) {
                notIdle();
            }
            return n;
        }
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws java.io.IOException {
        Channel c = channel;
        boolean any = false;
        for (ByteBuffer b : buffers) {
            if (b != null && b.hasRemaining()) {
                any = true;
            }
        }
        if (!any) {
            return true;
        }
        if (c == null || !c.isActive()) {
            throw new org.eclipse.jetty.io.EofException("client connection closed");
        }
        if (!c.isWritable()) {
            return false;
        }
        for (ByteBuffer b : buffers) {
            if (b != null && b.hasRemaining()) {
                c.write(Unpooled.copiedBuffer(b));
                b.position(b.limit());
            }
        }
        c.flush();
        notIdle();
        return true;
    }

    @Override
    public Object getTransport() {
        return channel;
    }

    @Override
    protected void onIncompleteFlush() {
        Channel c = channel;
        if (c != null && c.isWritable()) {
            executor.execute(() -> getWriteFlusher().completeWrite());
        }
    }

    @Override
    protected void needsFillInterest() {
        boolean ready;
        synchronized (this) {
            ready = !queue.isEmpty() || inputEnded;
        }
        if (ready) {
            wakeReader();
        }
    }

    @Override
    protected void doShutdownOutput() {
        Channel c = channel;
        if (c instanceof io.netty.channel.socket.DuplexChannel duplex) {
            duplex.shutdownOutput();
        } else if (c != null) {
            c.close();
        }
    }

    @Override
    protected void doClose() {
        Channel c = channel;
        if (c != null) {
            c.close();
        }
        synchronized (this) {
            ByteBuf b;
            while ((b = queue.poll()) != null) {
                b.release();
            }
        }
    }
}
