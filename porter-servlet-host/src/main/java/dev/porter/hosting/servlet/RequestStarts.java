package dev.porter.hosting.servlet;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * The request threads an event loop has to start for the Servlet host, started together once the loop has handled the
 * I/O it is busy with (as the JDK-API in-process path does): the requests one read cycle decodes reach the
 * virtual-thread scheduler as one burst, so a woken carrier finds several requests to run instead of parking after
 * each. Each request gets a virtual thread of its own, made by one shared factory with one name: Jetty's
 * {@code VirtualThreadPool} would wrap each task in a semaphore permit and number each thread's name, work the front
 * server's own limits make needless on this path.
 *
 * <p>Threading: one instance per event-loop thread, used on that thread only.
 */
final class RequestStarts implements Runnable {

    private static final FastThreadLocal<RequestStarts> PER_LOOP = new FastThreadLocal<>();
    private static final ThreadFactory THREADS = Thread.ofVirtual().name("porter-servlet-request").factory();

    private final EventLoop loop;
    private final ArrayList<Start> pending = new ArrayList<>();
    private boolean scheduled;

    private RequestStarts(EventLoop loop) {
        this.loop = loop;
    }

    /** A request's task and what to do if no thread can be started for it. */
    private record Start(Thread thread, Runnable refused) {
    }

    /**
     * Starts {@code task} on a virtual thread of its own: at the end of the loop's cycle when called on {@code loop},
     * at once otherwise. {@code refused} runs (on the caller's thread or the loop) if the thread cannot start.
     */
    static void start(EventLoop loop, Runnable task, Runnable refused) {
        Thread thread = THREADS.newThread(task);
        if (!loop.inEventLoop()) {
            start(thread, refused);
            return;
        }
        RequestStarts starts = PER_LOOP.get();
        if (starts == null || starts.loop != loop) {
            starts = new RequestStarts(loop);
            PER_LOOP.set(starts);
        }
        starts.add(new Start(thread, refused));
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
        try {
            for (Start s : pending) {
                start(s.thread(), s.refused());
            }
        } finally {
            pending.clear();
        }
    }

    private static void start(Thread thread, Runnable refused) {
        try {
            thread.start();
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            refused.run();
        }
    }
}
