package dev.porter.hosting.outofprocess.forwarding;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The keep-alive HTTP/1.1 connections of one {@link Forwarder} (one backend) on one event loop. Connections live on the
 * same loop as the client connections they serve, so a forward never crosses threads; idle ones are reused last-in
 * first-out (the warmest first), so in steady state a request costs no connection set-up. A connection the backend
 * closed while idle is noticed by its {@link BackendConnection} and dropped. Confined to its event loop.
 */
// Netty's channel operations are fire-and-forget here: writes go with the void promise, whose failures reach the
// pipeline (exceptionCaught, then close), and nobody could act on a failed close.
@SuppressWarnings("FutureReturnValueIgnored")
final class BackendPool {

    /** Idle connections kept beyond this are closed: enough for any burst one loop can have in flight. */
    static final int MAX_IDLE = 256;
    /** The response decoder ({@link BackendResponseDecoder}). */
    static final String CODEC = "porter-backend-codec";
    /** The request encoder: heads with a body and the body itself (a bodyless head is written already encoded). */
    static final String ENCODER = "porter-backend-encoder";
    private static final int CLIENT_CACHE = 1024;

    private final EventLoop loop;
    private final InetSocketAddress address;
    private final Bootstrap bootstrap;
    private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    /**
     * The exchanges in flight here, oldest first, linked through their own {@link ProxyExchange#activePrev} and
     * {@link ProxyExchange#activeNext} (a set would allocate a node per request): {@link #close} ends them.
     */
    private ProxyExchange activeFirst;
    private ProxyExchange activeLast;
    /** X-Forwarded-For values by client address, direct-mapped on identity (see {@link #clientAddress}). */
    private final InetSocketAddress[] clientKeys = new InetSocketAddress[CLIENT_CACHE];
    private final String[] clientValues = new String[CLIENT_CACHE];
    private boolean closed;

    BackendPool(EventLoop loop, InetSocketAddress address, ForwardingOptions options) {
        this.loop = loop;
        this.address = address;
        // requestTimeout bounds connecting too (WinHTTP's connect timeout); zero is no limit, for Netty as for ANCM.
        long timeoutMillis = Math.min(Integer.MAX_VALUE, options.requestTimeout().toMillis());
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(isEpoll(loop) ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(ENCODER, new HttpRequestEncoder());
                        ch.pipeline().addLast(CODEC, new BackendResponseDecoder());
                        ch.pipeline().addLast(BackendConnection.NAME, new BackendConnection(BackendPool.this));
                    }
                });
    }

    /** The client channel type must match the loop's I/O handler, which is the front server's choice. */
    private static boolean isEpoll(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class);
    }

    EventLoop loop() {
        return loop;
    }

    /** Starts an exchange: gives it an idle connection, or connects a new one. */
    void acquire(ProxyExchange exchange) {
        if (closed) {
            exchange.forwarderClosed();
            return;
        }
        link(exchange);
        BackendConnection connection;
        while ((connection = idle.pollLast()) != null) {
            if (connection.channel().isActive()) {
                exchange.connected(connection, true);
                return;
            }
            connection.channel().close();
        }
        connect(exchange);
    }

    /** A new connection for the exchange, never a pooled one (first use, or the one retry after a stale one). */
    void connect(ProxyExchange exchange) {
        ChannelFuture f = bootstrap.connect(address);
        f.addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                if (closed || !exchange.activeHere) {
                    done.channel().close();
                    return;
                }
                if (address.equals(done.channel().localAddress())) {
                    // Linux lets a connect to a loopback port in the ephemeral range where nothing listens land on
                    // its own source port (TCP simultaneous open): that is a refusal, not the application.
                    done.channel().close();
                    exchange.connectFailed(new ConnectException("connected to itself: nothing listens on " + address));
                    return;
                }
                exchange.connected(done.channel().pipeline().get(BackendConnection.class), false);
            } else {
                exchange.connectFailed(done.cause());
            }
        });
    }

    /** The exchange is over; its connection (if reusable, at a message boundary) goes back to the pool. */
    void release(ProxyExchange exchange, BackendConnection connection, boolean reusable) {
        unlink(exchange);
        if (connection == null) {
            return;
        }
        Channel ch = connection.channel();
        if (!reusable || closed || !ch.isActive()) {
            ch.close();
            return;
        }
        connection.detach();
        if (!ch.config().isAutoRead()) {
            ch.config().setAutoRead(true); // idle: a close or stray bytes must be seen at once (a read, not a swap)
        }
        idle.addLast(connection);
        if (idle.size() > MAX_IDLE) {
            idle.pollFirst().channel().close();
        }
    }

    /** The exchange ended without a connection to return (connect failed, or the connection was closed). */
    void ended(ProxyExchange exchange) {
        unlink(exchange);
    }

    private void link(ProxyExchange exchange) {
        if (exchange.activeHere) {
            return;
        }
        exchange.activeHere = true;
        exchange.activePrev = activeLast;
        exchange.activeNext = null;
        if (activeLast == null) {
            activeFirst = exchange;
        } else {
            activeLast.activeNext = exchange;
        }
        activeLast = exchange;
    }

    private void unlink(ProxyExchange exchange) {
        if (!exchange.activeHere) {
            return;
        }
        exchange.activeHere = false;
        ProxyExchange prev = exchange.activePrev;
        ProxyExchange next = exchange.activeNext;
        if (prev == null) {
            activeFirst = next;
        } else {
            prev.activeNext = next;
        }
        if (next == null) {
            activeLast = prev;
        } else {
            next.activePrev = prev;
        }
        exchange.activePrev = null;
        exchange.activeNext = null;
    }

    /** A connection closed: it must not be handed out again. */
    void discard(BackendConnection connection) {
        idle.remove(connection);
    }

    /**
     * The client's {@code ip:port} for {@code X-Forwarded-For}. A connection's remote address is one object for its
     * whole life, so the string is made once per client connection rather than once per request: a small cache,
     * direct-mapped on identity (a clash only costs a recomputation), confined to this loop like the rest.
     */
    @SuppressWarnings("ReferenceEquality") // the cache is keyed on identity, on purpose
    String clientAddress(InetSocketAddress remote) {
        int slot = System.identityHashCode(remote) & (CLIENT_CACHE - 1);
        if (clientKeys[slot] == remote && remote != null) {
            return clientValues[slot];
        }
        String value = ProxyRequestHead.clientAddress(remote);
        clientKeys[slot] = remote;
        clientValues[slot] = value;
        return value;
    }

    /** Closes every connection; in-flight exchanges end (502.3 or abort) and open tunnels close. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<BackendConnection> idleNow = new ArrayList<>(idle);
        idle.clear();
        for (BackendConnection connection : idleNow) {
            connection.channel().close();
        }
        List<ProxyExchange> activeNow = new ArrayList<>();
        for (ProxyExchange e = activeFirst; e != null; e = e.activeNext) {
            activeNow.add(e);
        }
        for (ProxyExchange exchange : activeNow) {
            exchange.forwarderClosed();
        }
        for (ProxyExchange exchange : activeNow) {
            unlink(exchange);
        }
    }
}
