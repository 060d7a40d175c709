package dev.porter.hosting.inprocess;

import dev.porter.hosting.ancm.AncmEvent;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process handler's events (spec §9): the calls its classes make, each logging an {@link AncmEvent} of the
 * catalogue both hosting models share (id, level and ANCM's text), plus Porter's own lines that have no ANCM id, on
 * the same logger {@code dev.porter.hosting.events}.
 */
final class InProcessEvents {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private InProcessEvents() {
    }

    /** 1005 GRACEFUL_SHUTDOWN_FAILURE. */
    static void gracefulShutdownFailed(String app) {
        AncmEvent.APP_SHUTDOWN_FAILED.log(app);
    }

    /** 1007 LOAD_CLR_FAILURE, as ANCM logs a startup timeout; the detail in Java words. */
    static void startupTimedOut(String app, Path physicalRoot, long millis) {
        AncmEvent.STARTUP_TIMED_OUT.log(app, physicalRoot, millis);
    }

    /**
     * 1011 INPROCESS_THREAD_EXIT, or 1035 with the captured output: ANCM says "has exited from Program.Main", Porter
     * what happened in Java ({@code the main method of ... returned}, {@code System.exit(3) was called at ...}).
     */
    static void exited(String app, String what, int exitCode, String captured) {
        if (captured.isEmpty()) {
            AncmEvent.APP_EXITED.log(app, what, exitCode);
        } else {
            AncmEvent.APP_EXITED_WITH_OUTPUT.log(app, what, exitCode, captured);
        }
    }

    /** 1018 INPROCESS_THREAD_EXCEPTION: the exception and where it was thrown stand for the managed exception code. */
    static void unexpectedException(String app, String what, String captured) {
        AncmEvent.APP_UNEXPECTED_EXCEPTION.log(app, what, captured);
    }

    /** 1026 GENERAL_WARNING for a stdout log that cannot be created (the app runs without it). */
    static void stdoutRedirectionFailed(String file, Path appBase, String why) {
        AncmEvent.STDOUT_REDIRECTION_FAILED.log(file, appBase, why);
    }

    /** 1031 INPROCESS_START_ERROR. */
    static void startError(String app, String message) {
        AncmEvent.APP_START_ERROR.log(app, message);
    }

    /** 1032 INPROCESS_START_SUCCESS. */
    static void started(String app) {
        AncmEvent.APP_STARTED.log(app);
    }

    /** 1033 APP_SHUTDOWN_SUCCESSFUL. */
    static void shutdown(String app) {
        AncmEvent.APP_SHUTDOWN.log(app);
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
        AncmEvent.RAPID_FAIL_PROTECTION.log(app, maxCrashes, interval.toSeconds(), interval.toSeconds());
    }

    /** Not an ANCM event: what an app leaves behind, or does that in-process cannot honour. */
    static void warn(String format, Object... args) {
        LOG.warn(format, args);
    }
}
