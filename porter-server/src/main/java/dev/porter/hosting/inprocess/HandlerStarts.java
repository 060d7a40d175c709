package dev.porter.hosting.inprocess;

import dev.porter.server.Exchange;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * The handler threads an event loop has to start, started together once the loop has handled the I/O it is busy
 * with: the requests one read cycle decodes reach the virtual-thread scheduler as one burst, so a woken carrier
 * finds several handlers to run instead of parking after each.
 *
 * <p>Threading: one instance per event-loop thread, used on that thread only.
 */
final class HandlerStarts implements Runnable {

    private static final FastThreadLocal<HandlerStarts> PER_LOOP = new FastThreadLocal<>();

    private final EventLoop loop;
    private final ArrayList<Start> pending = new ArrayList<>();
    private boolean scheduled;

    private HandlerStarts(EventLoop loop) {
        this.loop = loop;
    }

    /** On {@code loop}: its instance. */
    static HandlerStarts on(EventLoop loop) {
        HandlerStarts starts = PER_LOOP.get();
        if (starts == null || starts.loop != loop) {
            starts = new HandlerStarts(loop);
            PER_LOOP.set(starts);
        }
        return starts;
    }

    /** A handler thread to start, and what to answer if it cannot be. */
    private record Start(Thread handler, Exchange exchange, InProcessExchange app) {
    }

    void add(Thread handler, Exchange exchange, InProcessExchange app) {
        pending.add(new Start(handler, exchange, app));
        if (!scheduled) {
            scheduled = true;
            try {
                loop.execute(this); // runs after the loop's current I/O, without a wake-up (we are on the loop)
            } catch (RejectedExecutionException e) {
                run(); // the loop is shutting down: start them now rather than never
            }
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // (a handler started here may run before the loop returns; it only posts back to this loop)
        try {
            for (Start s : pending) {
                start(s.handler(), s.exchange(), s.app());
            }
        } finally {
            pending.clear();
        }
    }

    /** Starts one handler thread; a scheduler that refuses it (or no memory for its stack) is a 503. */
    static void start(Thread handler, Exchange exchange, InProcessExchange app) {
        try {
            handler.start();
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            if (exchange.eventLoop().inEventLoop()) {
                InProcessHttpServer.refused(exchange, app);
            } else {
                exchange.eventLoop().execute(() -> InProcessHttpServer.refused(exchange, app));
            }
        }
    }
}
