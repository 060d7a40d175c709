package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.server.Exchange;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards requests to one ready backend process over loopback HTTP/1.1 (spec/ancm-contract.md §1.4–§1.6): the
 * forwarding half of the out-of-process handler. The process manager creates one per backend process and calls
 * {@link #forward} per request.
 *
 * <p>Backend connections are Netty client channels on the client connection's own event loop, kept alive and pooled
 * per event loop ({@link BackendPool}), so a forward never hops threads and, in steady state, never connects. Bodies
 * stream both ways with backpressure; {@code requestTimeout} bounds the backend's silence; forwarding errors answer
 * 502.3 (or abort a response already under way); WebSocket upgrades become byte tunnels.
 *
 * <p>Threading: {@link #forward} is called on the exchange's event loop; {@link #inFlight}, {@link #whenIdle} and
 * {@link #close} from any thread.
 */
public final class Forwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final BackendTarget target;
    private final ForwardingOptions options;
    private final ConcurrentHashMap<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> idleWaiters = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;
    private volatile boolean stopRequested;
    /** Whether the backend process is gone (its exit seen); null: not known (a plain forwarder). */
    private final BooleanSupplier backendGone;
    /** Takes back a request that never reached the backend because the process is gone. */
    private final Consumer<Exchange> takeBack;

    public Forwarder(BackendTarget target, ForwardingOptions options) {
        this(target, options, null, null);
    }

    /**
     * A forwarder to a backend process whose exit the caller watches. A request that never reached the backend
     * (nothing of it was sent: the connect was refused, or the forwarder closed before the connection was made) while
     * the process is gone or exiting is handed to {@code takeBack} on its event loop instead of being answered 502.3:
     * it is a new request for an application whose process is not running, not a failed forward. A connect refused by
     * a process that does not exit within {@link ProxyExchange#EXIT_WAIT_MILLIS} is still 502.3 (spec §1.5).
     *
     * @param backendGone whether the process's exit has been seen (cheap: called on event loops)
     * @param takeBack handles such a request as if it had just arrived; called on the exchange's event loop
     */
    public Forwarder(BackendTarget target, ForwardingOptions options, BooleanSupplier backendGone,
            Consumer<Exchange> takeBack) {
        this.target = target;
        this.options = options;
        this.backendGone = backendGone;
        this.takeBack = takeBack;
    }

    /** Whether a request that never reached the backend can be handed back when the process is gone. */
    boolean canTakeBack() {
        return takeBack != null;
    }

    /** Whether the backend process's exit has been seen. */
    boolean isBackendGone() {
        return backendGone != null && backendGone.getAsBoolean();
    }

    /** Hands an exchange that never reached the backend back (on its loop, on a fresh stack). */
    void takeBack(Exchange exchange) {
        try {
            exchange.eventLoop().execute(() -> {
                if (!exchange.isDone()) {
                    takeBack.accept(exchange);
                }
            });
        } catch (RejectedExecutionException e) {
            // the server is gone, and the client connection with it
        }
    }

    public BackendTarget target() {
        return target;
    }

    public ForwardingOptions options() {
        return options;
    }

    /** {@code 127.0.0.1:port}, for messages. */
    String backendName() {
        return target.address().getHostString() + ":" + target.address().getPort();
    }

    /**
     * Forwards the exchange. On exchange.eventLoop(); never throws; answers 502.3 itself on forwarding errors (or
     * aborts the client if the response had started).
     */
    public void forward(Exchange exchange) {
        EventLoop loop = exchange.eventLoop();
        if (!loop.inEventLoop()) {
            loop.execute(() -> forward(exchange)); // a caller that broke the threading contract still gets an answer
            return;
        }
        try {
            BackendPool pool = pools.get(loop);
            if (pool == null) {
                pool = pools.computeIfAbsent(loop, l -> new BackendPool(l, target.address(), options));
            }
            if (closed) {
                // close() sets the flag before it walks the pools: either it saw this pool, or we see the flag.
                if (canTakeBack() && isBackendGone()) {
                    takeBack(exchange); // the process died after the handler picked it: nothing was sent
                    return;
                }
                BadGatewayPage.respond(exchange, ForwardingError.SHUTTING_DOWN, "the application is stopping");
                return;
            }
            inFlight.incrementAndGet();
            new ProxyExchange(this, pool, exchange).start();
        } catch (RuntimeException e) {
            LOG.error("Forwarding {} {} to application at {} failed", exchange.request().method(),
                    exchange.request().uri(), backendName(), e);
            if (!exchange.isDone()) {
                if (!exchange.isHeadWritten()) {
                    BadGatewayPage.respond(exchange, ForwardingError.CONNECTION_ERROR, "internal forwarding error");
                } else {
                    exchange.abort();
                }
            }
        }
    }

    /**
     * Porter is about to send this backend's process the shutdown message (spec §1.8): from now on a request it closes
     * without answering was dropped by an app that is stopping (the JDK {@code HttpServer}, for one, drops what it has
     * not read yet when it stops), and gets 503 like every request that arrives once the app is stopping, not 502.3.
     * Called on any thread, before the message is sent.
     */
    public void stopRequested() {
        stopRequested = true;
    }

    boolean isStopRequested() {
        return stopRequested;
    }

    /** Exchanges (and open WebSocket tunnels) currently using the backend. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Completes when no exchange is in flight (used to drain before stopping a backend). Open WebSocket tunnels count
     * as in flight (they delay a stop, as under ANCM): bound the wait with the shutdown time limit, then
     * {@link #close}.
     */
    public CompletableFuture<Void> whenIdle() {
        CompletableFuture<Void> idle = new CompletableFuture<>();
        idleWaiters.add(idle);
        if (inFlight.get() == 0) {
            completeIdleWaiters();
        }
        return idle;
    }

    /**
     * Closes pooled and active backend connections; in-flight exchanges end (502.3 if no head was written, else
     * abort), open tunnels close. Idempotent. Returns before every loop has done so; {@link #whenIdle} says when.
     */
    @Override
    public void close() {
        closed = true;
        List<BackendPool> all = new ArrayList<>(pools.values());
        for (BackendPool pool : all) {
            EventLoop loop = pool.loop();
            if (loop.inEventLoop()) {
                pool.close();
            } else {
                try {
                    loop.execute(pool::close);
                } catch (RejectedExecutionException e) {
                    // the loop is gone, and its connections with it
                }
            }
        }
    }

    /** Idle pooled connections over all event loops (asks each loop; for tests and diagnostics). */
    int idleConnections() {
        int total = 0;
        for (BackendPool pool : pools.values()) {
            try {
                total += pool.loop().submit(pool::idleCount).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return total;
            } catch (java.util.concurrent.ExecutionException | RejectedExecutionException e) {
                // a loop that is gone holds no connections
            }
        }
        return total;
    }

    void exchangeEnded() {
        if (inFlight.decrementAndGet() == 0) {
            completeIdleWaiters();
        }
    }

    private void completeIdleWaiters() {
        CompletableFuture<Void> waiter;
        while ((waiter = idleWaiters.poll()) != null) {
            waiter.complete(null);
        }
    }
}
