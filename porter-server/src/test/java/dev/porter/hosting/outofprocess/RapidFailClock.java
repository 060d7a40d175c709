package dev.porter.hosting.outofprocess;

import dev.porter.hosting.ServerEnvironment;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A rapid-fail window clock that a test moves forward (System.nanoTime plus an offset), given to Porter as its
 * environment's clock ({@link #environment()}): a crash loop's 60-second window can then end at once.
 */
public final class RapidFailClock implements LongSupplier {

    private final AtomicLong offset = new AtomicLong();

    @Override
    public long getAsLong() {
        return System.nanoTime() + offset.get();
    }

    /** The system's environment, with this clock. */
    public ServerEnvironment environment() {
        return ServerEnvironment.ofSystem().withClock(this);
    }

    /** Moves the clock forward. */
    public void advance(Duration by) {
        offset.addAndGet(by.toNanos());
    }

    /** The rapid-fail window (60 s). */
    public static Duration window() {
        return ProcessManager.RAPID_FAIL_WINDOW;
    }
}
