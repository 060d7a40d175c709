package dev.porter.hosting.inprocess;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.TimeSpan;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * IIS's rapid-fail protection for one in-process application (the application pool's {@code failure} settings, which
 * guard worker recycling after an in-process crash): once {@code maxCrashes} failures fall within {@code interval},
 * the application is stopped — its requests get 503 — until the interval has passed since the failure that stopped
 * it, or its web.config changes (a new {@link InProcessHandler}, so a new guard). Configured per application with the
 * handler settings {@code rapidFailProtectionMaxCrashes} (default 5, 0 turns the protection off) and
 * {@code rapidFailProtectionInterval} (an IIS time span, default {@code 00:05:00}); the parser validates both.
 *
 * <p>Public for Porter's Servlet host, whose apps recycle after {@code System.exit} under the same guard.
 *
 * <p>Threading: all methods synchronize on this object; calls are rare (one per failure, one per request only while
 * stopped).
 */
public final class RapidFailProtection {

    static final String MAX_CRASHES = "rapidFailProtectionMaxCrashes";
    static final String INTERVAL = "rapidFailProtectionInterval";
    static final int DEFAULT_MAX_CRASHES = 5;
    static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);

    private final int maxCrashes;
    private final long intervalNanos;
    private final Deque<Long> failures = new ArrayDeque<>();
    private long stoppedUntil;
    private boolean stopped;

    RapidFailProtection(int maxCrashes, Duration interval) {
        this.maxCrashes = maxCrashes;
        this.intervalNanos = interval.toNanos();
    }

    public static RapidFailProtection of(AspNetCoreConfig config) {
        int max = config.handlerSetting(MAX_CRASHES).map(v -> Integer.parseInt(v.trim())).orElse(DEFAULT_MAX_CRASHES);
        Duration interval = config.handlerSetting(INTERVAL).map(TimeSpan::parse).orElse(DEFAULT_INTERVAL);
        return new RapidFailProtection(max, interval);
    }

    public int maxCrashes() {
        return maxCrashes;
    }

    public Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /** Counts a failure at {@code now} ({@code System.nanoTime()}); true when this one stops the application. */
    public synchronized boolean failed(long now) {
        if (maxCrashes <= 0 || stopped) {
            return false;
        }
        while (!failures.isEmpty() && now - failures.peekFirst() >= intervalNanos) {
            failures.removeFirst();
        }
        failures.addLast(now);
        if (failures.size() >= maxCrashes) {
            stopped = true;
            stoppedUntil = now + intervalNanos;
            failures.clear();
            return true;
        }
        return false;
    }

    /** Whether requests get 503 at {@code now}; the stop ends by itself once the interval has passed. */
    public synchronized boolean isStopped(long now) {
        if (stopped && now - stoppedUntil >= 0) {
            stopped = false;
        }
        return stopped;
    }
}
