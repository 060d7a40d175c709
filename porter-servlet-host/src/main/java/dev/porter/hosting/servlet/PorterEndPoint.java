package dev.porter.hosting.servlet;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * What Jetty sees as the "end point" of a request that Porter's front server handed over as objects. Servlet code asks
 * it for addresses and the idle timeout only; no bytes flow through it (request and response bodies go through
 * {@link PorterHttpStream}), so {@code fill}/{@code flush} say there is nothing. A protocol upgrade (WebSocket) would
 * need a real byte channel here: not built yet.
 */
final class PorterEndPoint extends AbstractEndPoint {

    private final SocketAddress local;
    private final SocketAddress remote;

    PorterEndPoint(Scheduler scheduler, SocketAddress local, SocketAddress remote) {
        super(scheduler);
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

    @Override
    public int fill(ByteBuffer buffer) {
        return 0;
    }

    @Override
    public boolean flush(ByteBuffer... buffers) {
        for (ByteBuffer b : buffers) {
            if (b != null && b.hasRemaining()) {
                throw new UnsupportedOperationException("no raw bytes on an in-process request");
            }
        }
        return true;
    }

    @Override
    public Object getTransport() {
        return null;
    }

    @Override
    protected void onIncompleteFlush() {
    }

    @Override
    protected void needsFillInterest() {
    }
}
