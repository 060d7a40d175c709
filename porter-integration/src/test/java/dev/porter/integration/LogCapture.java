package dev.porter.integration;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what the integration logs (System.Logger goes to java.util.logging by default). Close to detach. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.porter.integration");
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    public LogCapture() {
        logger.addHandler(this);
    }

    public List<LogRecord> records() {
        return records;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
