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

    /** 1007 LOAD_CLR_FAILURE, as ANCM logs a startup timeout; the detail in Java words. */
    static void startupTimedOut(String app, Path physicalRoot, long millis) {
        LOG.error("Event 1007: Application '{}' with physical root '{}' failed to start. Exception message:\r\n"
                + "The app did not start its HttpServer within startupTimeLimit ({} ms).", app, physicalRoot, millis);
    }

    /**
     * 1011 INPROCESS_THREAD_EXIT, or 1035 with the captured output: ANCM says "has exited from Program.Main", Porter
     * what happened in Java ({@code the main method of ... returned}, {@code System.exit(3) was called at ...}).
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

    /** 1018 INPROCESS_THREAD_EXCEPTION: the exception and where it was thrown stand for the managed exception code. */
    static void unexpectedException(String app, String what, String captured) {
        LOG.error("Event 1018: Application '{}' hit an unexpected exception: {}. First 30KB characters of captured "
                + "stdout and stderr logs:\r\n{}", app, what, captured);
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

    /** Not an ANCM event: an in-process app that starts a server of its own (a misfit). */
    static void ownServer(String app, String what, String caller) {
        LOG.error("Application '{}': {} (the socket was bound at {}). It answers 500.30; the socket is closed now.",
                app, what, caller);
    }

    /** Not an ANCM event: the recycle IIS would do after an in-process failure. */
    static void restarting(String app) {
        LOG.info("Application '{}' failed and was retired; this request starts it again in a fresh app domain.", app);
    }

    /**
     * WAS's event 5002 (IIS stops an application pool whose workers keep failing), for one in-process application.
     */
    static void rapidFailProtection(String app, int maxCrashes, java.time.Duration interval) {
        LOG.error("Event 5002: Application '{}' is being automatically disabled due to a series of failures: {} "
                + "within {} s (rapid-fail protection, handlerSettings rapidFailProtectionMaxCrashes and "
                + "rapidFailProtectionInterval). Its requests get 503 until {} s have passed or its web.config "
                + "changes.", app, maxCrashes, interval.toSeconds(), interval.toSeconds());
    }

    /** Not an ANCM event: what an app leaves behind, or does that in-process cannot honour. */
    static void warn(String format, Object... args) {
        LOG.warn(format, args);
    }
}
