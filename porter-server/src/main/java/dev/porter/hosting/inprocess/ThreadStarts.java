package dev.porter.hosting.inprocess;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * The request threads an event loop has to start for in-process apps (JDK-API and Servlet alike), started together
 * once the loop has handled the I/O it is busy with: the requests one read cycle decodes reach the virtual-thread
 * scheduler as one burst, so a woken carrier finds several requests to run instead of parking after each.
 *
 * <p>Threading: {@link #start} from any thread; the batch is one instance per event-loop thread, used on that thread
 * only.
 */
public final class ThreadStarts implements Runnable {

    private static final FastThreadLocal<ThreadStarts> PER_LOOP = new FastThreadLocal<>();

    private final EventLoop loop;
    private final ArrayList<Start> pending = new ArrayList<>();
    private boolean scheduled;

    private ThreadStarts(EventLoop loop) {
        this.loop = loop;
    }

    /** What answers a request whose thread could not be started (no memory for its stack, a refusing scheduler). */
    @FunctionalInterface
    public interface Refusal {
        /** Called on the request's event loop. */
        void threadRefused();
    }

    /** A request thread to start, and what answers its request if it cannot be. */
    private record Start(Thread thread, Refusal refusal) {
    }

    /**
     * Starts {@code thread}: at the end of the loop's current cycle when called on {@code loop}, at once otherwise.
     * If it cannot start, {@code refusal} runs on {@code loop}.
     */
    public static void start(EventLoop loop, Thread thread, Refusal refusal) {
        if (!loop.inEventLoop()) {
            start(loop, new Start(thread, refusal));
            return;
        }
        ThreadStarts starts = PER_LOOP.get();
        if (starts == null || starts.loop != loop) {
            starts = new ThreadStarts(loop);
            PER_LOOP.set(starts);
        }
        starts.add(new Start(thread, refusal));
    }

    private void add(Start start) {
        pending.add(start);
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
        // (a thread started here may run before the loop returns; it only posts back to this loop)
        try {
            for (Start s : pending) {
                start(loop, s);
            }
        } finally {
            pending.clear();
        }
    }

    private static void start(EventLoop loop, Start start) {
        try {
            start.thread().start();
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            if (loop.inEventLoop()) {
                start.refusal().threadRefused();
            } else {
                loop.execute(start.refusal()::threadRefused);
            }
        }
    }
}
