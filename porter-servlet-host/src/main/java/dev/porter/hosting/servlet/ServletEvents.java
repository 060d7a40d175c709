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

    /**
     * 1011 INPROCESS_THREAD_EXIT, or 1035 with the captured output, as for a JDK app: ANCM says "has exited from
     * Program.Main", Porter what happened in Java ({@code System.exit(3) was called at ...}).
     */
    static void exited(String app, String what, int exitCode, String captured) {
        if (captured.isEmpty()) {
            LOG.error("Event 1011: Application '{}' has exited: {}, exit code = '{}'. Please check the stderr logs "
                    + "for more information.", app, what, exitCode);
        } else {
            LOG.error("Event 1035: Application '{}' has exited: {}, exit code = '{}'. First 30KB characters of "
                    + "captured stdout and stderr logs:\r\n{}", app, what, exitCode, captured);
        }
    }

    /** Not an ANCM event: the recycle IIS would do after an in-process failure (as for a JDK app). */
    static void restarting(String app) {
        LOG.info("Application '{}' failed and was retired; this request starts it again in a fresh app domain.", app);
    }

    /** WAS's event 5002 for one in-process application, as for a JDK app. */
    static void rapidFailProtection(String app, int maxCrashes, java.time.Duration interval) {
        LOG.error("Event 5002: Application '{}' is being automatically disabled due to a series of failures: {} "
                + "within {} s (rapid-fail protection, handlerSettings rapidFailProtectionMaxCrashes and "
                + "rapidFailProtectionInterval). Its requests get 503 until {} s have passed or its web.config "
                + "changes.", app, maxCrashes, interval.toSeconds(), interval.toSeconds());
    }

    static void info(String format, Object... args) {
        LOG.info(format, args);
    }

    static void warn(String format, Object... args) {
        LOG.warn(format, args);
    }
}
