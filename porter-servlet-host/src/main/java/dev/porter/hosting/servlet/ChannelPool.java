package dev.porter.hosting.servlet;

import dev.porter.server.Exchange;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpChannel;

/**
 * The Jetty channels of one app's server, reused from request to request as Jetty's HTTP/2 transport reuses them per
 * connection. A channel is more than its own state: its component cache holds the servlet context's
 * {@code ServletChannel} (request and response wrappers, servlet input and output, their state machine), which the
 * ee11 context reuses for the next request on the same channel. A channel made per request built all of that anew
 * for every request. Reuse spans client connections here, because Porter's {@code Exchange} does not expose the
 * connection: the channel's {@link PorterConnectionMetaData} is rebound to each request.
 *
 * <p>A channel comes back only after Jetty completed its request successfully ({@code HttpStream.succeeded}) and
 * recycled it; a failed exchange, an upgraded one, or one whose connection servlet code made, drops its channel.
 * At most {@value #MAX_IDLE} idle channels are kept (the peak of concurrent requests, bounded).
 *
 * <p>Threading: {@link #acquire} on event loops, {@link #release} on the app's threads; a concurrent queue.
 */
final class ChannelPool {

    static final int MAX_IDLE = 1024;

    private final PorterConnector connector;
    private final HttpChannel.Factory factory = new HttpChannel.DefaultFactory();
    private final ConcurrentLinkedQueue<HttpChannel> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    ChannelPool(PorterConnector connector) {
        this.connector = connector;
    }

    /** On the event loop: a channel bound to {@code exchange}, ready for {@code setHttpStream} and {@code onRequest}. */
    HttpChannel acquire(Exchange exchange, long requestId) {
        HttpChannel channel = idle.poll();
        if (channel == null) {
            channel = factory.newHttpChannel(new PorterConnectionMetaData(connector));
        } else {
            idleCount.decrementAndGet();
        }
        ((PorterConnectionMetaData) channel.getConnectionMetaData()).bind(exchange, requestId);
        channel.initialize();
        return channel;
    }

    /** Jetty completed the channel's request: it is recycled and kept for the next one, if it may be. */
    void release(HttpChannel channel) {
        if (((PorterConnectionMetaData) channel.getConnectionMetaData()).connectionCreated()) {
            return;
        }
        channel.recycle();
        ((PorterConnectionMetaData) channel.getConnectionMetaData()).unbind();
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offer(channel);
        } else {
            idleCount.decrementAndGet();
        }
    }
}
