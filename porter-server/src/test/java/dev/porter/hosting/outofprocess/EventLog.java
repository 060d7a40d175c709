package dev.porter.hosting.outofprocess;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.LoggerFactory;

/** Records what the hosting layer writes to the server log's event logger ({@code dev.porter.hosting.events}). */
public final class EventLog implements AutoCloseable {

    /** An event's text and the {@link System#nanoTime()} at which it was logged. */
    private record Logged(String message, long nanoTime) {
    }

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.porter.hosting.events");
    private final List<Logged> logged = new ArrayList<>();
    /**
     * Appends on the logging thread, so the time is taken in the code that logged the event, right after what it did
     * before logging: a test can order its own clock readings against that moment.
     */
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            long now = System.nanoTime();
            synchronized (logged) {
                logged.add(new Logged(event.getFormattedMessage(), now));
            }
        }
    };

    public EventLog() {
        appender.start();
        logger.addAppender(appender);
    }

    public List<String> messages() {
        synchronized (logged) {
            return logged.stream().map(Logged::message).toList();
        }
    }

    /** The messages of one event id ({@code Event 1001: ...}), without the prefix. */
    public List<String> events(int id) {
        String prefix = "Event " + id + ": ";
        return messages().stream().filter(m -> m.startsWith(prefix)).map(m -> m.substring(prefix.length()))
                .toList();
    }

    /** When the first event of {@code id} whose text contains {@code text} was logged ({@link System#nanoTime()}). */
    public OptionalLong loggedAt(int id, String text) {
        String prefix = "Event " + id + ": ";
        synchronized (logged) {
            return logged.stream().filter(l -> l.message().startsWith(prefix) && l.message().contains(text))
                    .mapToLong(Logged::nanoTime).findFirst();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
