package dev.porter.server.admission;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a graceful stop needs to know across all connections: whether the server is draining, how many exchanges are in
 * flight, and which client connections are open. Thread-safe.
 */
public final class ServerState {

    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final ChannelGroup clients = new DefaultChannelGroup("porter-clients", GlobalEventExecutor.INSTANCE);

    public boolean isDraining() {
        return draining.get();
    }

    public void startDraining() {
        draining.set(true);
        if (inFlight.get() == 0) {
            drained.complete(null);
        }
    }

    /** Completes once the server drains and no exchange is in flight. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /**
     * Counts an admitted exchange in flight until {@link #exchangeEnded}, as Jetty's {@code GracefulHandler} does: the
     * count is taken before the draining flag is read (and {@link #startDraining} sets the flag before it reads the
     * count), so a request is either refused here or counted, and a stop never misses one that passed its check just
     * before the flag was set. False, counting nothing, once the server drains.
     */
    public boolean admitExchange() {
        inFlight.incrementAndGet();
        if (draining.get()) {
            exchangeEnded();
            return false;
        }
        return true;
    }

    public void exchangeEnded() {
        if (inFlight.decrementAndGet() == 0 && draining.get()) {
            drained.complete(null);
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    public void clientConnected(Channel channel) {
        clients.add(channel);
    }

    public ChannelGroup clients() {
        return clients;
    }
}
