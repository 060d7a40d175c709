package dev.porter.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The status page's "recent events": the last {@link #CAPACITY} entries of Porter's own log at INFO or above (ANCM's
 * events: processes started, exited, recycled, failed to start, warnings), kept in memory by a Logback appender on
 * the {@code dev.porter} logger. When the logging backend is not Logback, the list stays empty.
 *
 * <p>Threading: {@link #append} runs on whichever thread logs (event loops included): it only adds to a lock-free
 * deque.
 */
final class RecentEvents extends UnsynchronizedAppenderBase<ILoggingEvent> {

    static final int CAPACITY = 50;

    /** One log entry. */
    record Event(Instant time, String level, String logger, String message) {
    }

    private final ConcurrentLinkedDeque<Event> events = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();
    private ch.qos.logback.classic.Logger attachedTo;

    /** Starts collecting from the {@code dev.porter} loggers. */
    void attach() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        setContext(context);
        setName("porter-admin-recent-events");
        start();
        attachedTo = context.getLogger("dev.porter");
        attachedTo.addAppender(this);
    }

    void detach() {
        if (attachedTo != null) {
            attachedTo.detachAppender(this);
            stop();
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.INFO)) {
            return;
        }
        String logger = event.getLoggerName();
        events.addLast(new Event(Instant.ofEpochMilli(event.getTimeStamp()), event.getLevel().toString(),
                logger.substring(logger.lastIndexOf('.') + 1), event.getFormattedMessage()));
        if (size.incrementAndGet() > CAPACITY && events.pollFirst() != null) {
            size.decrementAndGet();
        }
    }

    /** Newest first. */
    List<Event> newestFirst() {
        List<Event> list = new ArrayList<>(events);
        return list.reversed();
    }
}
