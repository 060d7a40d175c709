package dev.porter.hosting.servlet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Servlet host's events, with ANCM's in-process texts and ids, in the same event log as every in-process app
 * (logger {@code dev.porter.hosting.events}).
 */
final class ServletEvents {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private ServletEvents() {
    }

    /** 1005 GRACEFUL_SHUTDOWN_FAILURE. */
    static void gracefulShutdownFailed(String app) {
        LOG.warn("Event 1005: Failed to gracefully shutdown application '{}'.", app);
    }

    /** 1007 LOAD_CLR_FAILURE, as ANCM logs a startup timeout. */
    static void startupTimedOut(String app, Object physicalRoot, long millis) {
        LOG.error("Event 1007: Application '{}' with physical root '{}' failed to load coreclr. Exception message:"
                + "\r\nManaged server didn't initialize after {} ms.", app, physicalRoot, millis);
    }

    /** 1031 INPROCESS_START_ERROR. */
    static void startError(String app, String message) {
        LOG.error("Event 1031: Application '{}' failed to start. Exception message:\r\n{}", app, message);
    }

    /** 1032 INPROCESS_START_SUCCESS. */
    static void started(String app, String what) {
        LOG.info("Event 1032: Application '{}' started successfully. ({})", app, what);
    }

    /** 1033 APP_SHUTDOWN_SUCCESSFUL. */
    static void shutdown(String app) {
        LOG.info("Event 1033: Application '{}' has shutdown.", app);
    }

    static void info(String format, Object... args) {
        LOG.info(format, args);
    }

    static void warn(String format, Object... args) {
        LOG.warn(format, args);
    }
}
