package dev.porter.hosting.outofprocess;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A rapid-fail window clock that a test moves forward (System.nanoTime plus an offset), for out-of-process apps
 * started while it is installed: a crash loop's 60-second window can then end at once. Close it to restore the real
 * clock for managers created later.
 */
public final class RapidFailClock implements AutoCloseable {

    private final AtomicLong offset = new AtomicLong();
    private final java.util.function.LongSupplier previous;

    private RapidFailClock() {
        this.previous = ProcessManager.useRapidFailClock(() -> System.nanoTime() + offset.get());
    }

    /** Installs a movable clock for the process managers created until {@link #close}. */
    public static RapidFailClock install() {
        return new RapidFailClock();
    }

    /** Moves the clock forward. */
    public void advance(Duration by) {
        offset.addAndGet(by.toNanos());
    }

    /** The rapid-fail window (60 s). */
    public static Duration window() {
        return ProcessManager.RAPID_FAIL_WINDOW;
    }

    @Override
    public void close() {
        ProcessManager.useRapidFailClock(previous);
    }
}
