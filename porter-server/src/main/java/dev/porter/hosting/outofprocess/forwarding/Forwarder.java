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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards requests to one ready backend process over loopback HTTP/1.1 (spec/ancm-contract.md §1.4–§1.6): the
 * forwarding half of the out-of-process handler. Each backend process has one; the handler calls {@link #send} per
 * request and decides on the {@link ForwardOutcome} its {@link OutcomeListener} hears (a request that never reached a
 * process that died is routed again); {@link #forward} is the plain proxy, which answers every failure 502.3 itself.
 *
 * <p>Backend connections are Netty client channels on the client connection's own event loop, kept alive and pooled
 * per event loop ({@link BackendPool}), so a forward never hops threads and, in steady state, never connects. Bodies
 * stream both ways with backpressure; {@code requestTimeout} bounds the backend's silence; forwarding errors answer
 * 502.3 (or abort a response already under way); WebSocket upgrades become byte tunnels.
 *
 * <p>Threading: {@link #send}, {@link #forward} and {@link #answer} are called on the exchange's event loop;
 * {@link #inFlight}, {@link #whenIdle} and {@link #close} from any thread.
 */
public final class Forwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    private final BackendTarget target;
    private final ForwardingOptions options;
    /** {@link #forward}'s listener: the plain proxy's answer, on the forwarder the request was sent with. */
    private static final OutcomeListener<Forwarder> PLAIN_PROXY =
            (exchange, outcome, forwarder) -> forwarder.answer(exchange, outcome);

    private final ConcurrentHashMap<EventLoop, BackendPool> pools = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> idleWaiters = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    public Forwarder(BackendTarget target, ForwardingOptions options) {
        this.target = target;
        this.options = options;
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
     * Forwards the exchange as a plain proxy does: what {@link #send} leaves unanswered (nothing reached the backend,
     * or it closed without a response) gets its 502.3 ({@link #answer}). On exchange.eventLoop(); never throws.
     */
    public void forward(Exchange exchange) {
        send(exchange, PLAIN_PROXY, this);
    }

    /**
     * Sends the exchange to the backend and tells {@code listener}, with {@code attachment}, how that ended, on the
     * exchange's event loop, once it has (the response relayed, the client gone, a failure answered, or a request the
     * backend never had; see {@link ForwardOutcome}). An unsettled outcome leaves the exchange to the listener:
     * {@link #answer} it, or route it again. On exchange.eventLoop() (another thread's call hops there); never throws.
     */
    public <A> void send(Exchange exchange, OutcomeListener<? super A> listener, A attachment) {
        EventLoop loop = exchange.eventLoop();
        if (!loop.inEventLoop()) {
            // a caller that broke the threading contract still gets its forward
            loop.execute(() -> send(exchange, listener, attachment));
            return;
        }
        try {
            BackendPool pool = pools.get(loop);
            if (pool == null) {
                pool = pools.computeIfAbsent(loop, l -> new BackendPool(l, target.address(), options));
            }
            if (closed) {
                // close() sets the flag before it walks the pools: either it saw this pool, or we see the flag.
                tell(listener, exchange, new ForwardOutcome.NotSent(ForwardOutcome.Reason.FORWARDER_CLOSED, null),
                        attachment);
                return;
            }
            ProxyExchange proxy = new ProxyExchange(this, pool, exchange, listener, attachment);
            inFlight.incrementAndGet();
            proxy.start();
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
            tell(listener, exchange, new ForwardOutcome.Failed(ForwardingError.CONNECTION_ERROR,
                    "internal forwarding error"), attachment);
        }
    }

    /** Hands the outcome to its listener; what the listener throws is logged, not passed on to the forwarding code. */
    static <A> void tell(OutcomeListener<? super A> listener, Exchange exchange, ForwardOutcome outcome, A attachment) {
        try {
            listener.forwarded(exchange, outcome, attachment);
        } catch (RuntimeException e) {
            LOG.error("Deciding on the outcome ({}) of {} {} failed", outcome, exchange.request().method(),
                    exchange.request().uri(), e);
        }
    }

    /**
     * The plain proxy's answer to an unsettled outcome: 502.3 with its WinHTTP error (spec §1.5), logged; nothing for a
     * settled one, or an exchange that is done. On the exchange's event loop.
     */
    public void answer(Exchange exchange, ForwardOutcome outcome) {
        if (outcome instanceof ForwardOutcome.NotSent notSent) {
            badGateway(exchange, notSent.error(), notSent.detail(), notSent.cause());
        } else if (outcome instanceof ForwardOutcome.Unanswered unanswered) {
            badGateway(exchange, unanswered.error(), unanswered.detail(), unanswered.cause());
        }
    }

    /** One WARN line per failed request (naming it, the backend and why), then 502.3, or a cut connection. */
    void badGateway(Exchange exchange, ForwardingError error, String detail, Throwable cause) {
        if (error != ForwardingError.SHUTTING_DOWN) {
            // the stack only when debugging
            LOG.warn("Forwarding {} {} to application at {} failed: {} ({}: {}){}", exchange.request().method(),
                    exchange.request().uri(), backendName(), detail, error.code(), error.text(),
                    cause == null ? "" : ": " + cause);
            if (cause != null && LOG.isDebugEnabled()) {
                LOG.debug("Forwarding failure detail", cause);
            }
        }
        if (!exchange.isDone()) {
            if (!exchange.isHeadWritten()) {
                BadGatewayPage.respond(exchange, error, detail);
            } else {
                exchange.abort();
            }
        }
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
