package dev.porter.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A test's own threads for the work it runs in the background (a client that blocks, a stop that drains), in place
 * of {@code CompletableFuture.supplyAsync(task)} without an executor. That one runs on the common ForkJoinPool, which
 * has a single worker on a 2-core machine: two blocking tasks then run one after the other, and a test that needs
 * them side by side (a request in flight while the server stops) races or hangs.
 *
 * <p>Each task gets a platform daemon thread of its own (not a virtual thread: those would share their carriers with
 * the server's virtual threads under test). {@link #close} interrupts what is still running, so a test that fails
 * half-way leaves no thread behind; use it in try-with-resources or close it in {@code @AfterEach}.
 *
 * <p>Threading: any thread may submit; close once, from the test's thread.
 */
public final class TestThreads implements AutoCloseable {

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ExecutorService executor;

    public TestThreads() {
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread t = new Thread(task, "test-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = Executors.newCachedThreadPool(factory);
    }

    /** Runs the task on a thread of its own; the future completes with its result. */
    public <T> CompletableFuture<T> supply(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, executor);
    }

    /** Runs the task on a thread of its own. */
    public CompletableFuture<Void> run(Runnable task) {
        return CompletableFuture.runAsync(task, executor);
    }

    /** For APIs that take an executor. */
    public Executor executor() {
        return executor;
    }

    /** Interrupts the tasks still running and waits a little for them to end. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
