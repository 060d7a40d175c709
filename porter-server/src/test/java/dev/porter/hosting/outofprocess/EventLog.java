package dev.porter.hosting.outofprocess;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Records what the hosting layer writes to the server log's event logger ({@code dev.porter.hosting.events}). */
public final class EventLog implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.porter.hosting.events");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public EventLog() {
        appender.start();
        logger.addAppender(appender);
    }

    public List<String> messages() {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The messages of one event id ({@code Event 1001: ...}), without the prefix. */
    public List<String> events(int id) {
        String prefix = "Event " + id + ": ";
        return messages().stream().filter(m -> m.startsWith(prefix)).map(m -> m.substring(prefix.length()))
                .toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
