package dev.porter.hosting.inprocess;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process handler's events (spec §9), with ANCM's texts, in the server log (Porter's event log): logger
 * {@code dev.porter.hosting.events}, each line {@code Event <id>: <text>}.
 */
final class InProcessEvents {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private InProcessEvents() {
    }

    /** 1005 GRACEFUL_SHUTDOWN_FAILURE. */
    static void gracefulShutdownFailed(String app) {
        LOG.warn("Event 1005: Failed to gracefully shutdown application '{}'.", app);
    }

    /** 1007 LOAD_CLR_FAILURE, as ANCM logs a startup timeout. */
    static void startupTimedOut(String app, Path physicalRoot, long millis) {
        LOG.error("Event 1007: Application '{}' with physical root '{}' failed to load coreclr. Exception message:"
                + "\r\nManaged server didn't initialize after {} ms.", app, physicalRoot, millis);
    }

    /** 1011 INPROCESS_THREAD_EXIT, or 1035 with the captured output. */
    static void exited(String app, int exitCode, String captured) {
        if (captured.isEmpty()) {
            LOG.error("Event 1011: Application '{}' has exited from Program.Main with exit code = '{}'. Please check "
                    + "the stderr logs for more information.", app, exitCode);
        } else {
            LOG.error("Event 1035: Application '{}' has exited from Program.Main with exit code = '{}'. First 30KB "
                    + "characters of captured stdout and stderr logs:\r\n{}", app, exitCode, captured);
        }
    }

    /** 1018 INPROCESS_THREAD_EXCEPTION: the exception's class stands for the managed exception code. */
    static void unexpectedException(String app, Throwable e, String captured) {
        LOG.error("Event 1018: Application '{}' hit unexpected managed exception, exception code = '{}'. First 30KB "
                + "characters of captured stdout and stderr logs:\r\n{}", app, e.getClass().getName(), captured);
    }

    /** 1026 GENERAL_WARNING for a stdout log that cannot be created (the app runs without it). */
    static void stdoutRedirectionFailed(String file, Path appBase, String why) {
        LOG.warn("Event 1026: Could not start stdout file redirection to '{}' with application base '{}'. {}.", file,
                appBase, why);
    }

    /** 1031 INPROCESS_START_ERROR. */
    static void startError(String app, String message) {
        LOG.error("Event 1031: Application '{}' failed to start. Exception message:\r\n{}", app, message);
    }

    /** 1032 INPROCESS_START_SUCCESS. */
    static void started(String app) {
        LOG.info("Event 1032: Application '{}' started successfully.", app);
    }

    /** 1033 APP_SHUTDOWN_SUCCESSFUL. */
    static void shutdown(String app) {
        LOG.info("Event 1033: Application '{}' has shutdown.", app);
    }

    /** Not an ANCM event: what an app leaves behind, or does that in-process cannot honour. */
    static void warn(String format, Object... args) {
        LOG.warn(format, args);
    }
}
