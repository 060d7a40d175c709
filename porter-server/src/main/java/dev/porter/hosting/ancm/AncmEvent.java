package dev.porter.hosting.ancm;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The catalogue of ANCM's events (spec §9) that Porter writes, for both hosting models and the hosting module: each
 * with ANCM's id, its level and ANCM's text (a {@link String#format} pattern, in ANCM's words, with Porter's Java
 * wording where .NET's would mislead). They go to the server log, Porter's stand-in for the Windows event log, under
 * the logger {@code dev.porter.hosting.events}; each line starts with {@code Event <id>:} so that operators can grep
 * for ANCM's ids. The few lines that are Porter's own (no ANCM id) are the hosting models' business and are logged
 * there. Thread-safe (stateless).
 */
public enum AncmEvent {

    // ---- out-of-process (ANCM's out-of-process handler) ------------------------------------------------------------

    /** 1000 (warning): one start attempt failed; an explanation of the code follows the text. */
    START_ATTEMPT_FAILED(1000, Level.WARN, "Application '%s' with physical root '%s' failed to start process with "
            + "commandline '%s' at stage '%s', ErrorCode = '0x%x', assigned port %d, retryCounter '%d'."),
    /** 1000 (error, Porter's words): the process runs but listens where Porter does not forward; no second attempt. */
    LISTENING_ELSEWHERE(1000, Level.ERROR, "Application '%s' with physical root '%s': process '%d' started with "
            + "commandline '%s' does not listen on 127.0.0.1:%d. %s"),
    /** 1000 (warning, Porter's words): the process can be reached by other machines directly. */
    REACHABLE_FROM_OUTSIDE(1000, Level.WARN, "Application '%s': process '%d': %s"),
    /** 1000 (error): the configured ASPNETCORE_PORT is unusable (a critical error: no retry). */
    PORT_SETUP_FAILED(1000, Level.ERROR, "Application '%s' with physical root '%s' failed to choose listen port '%d' "
            + "given port range '%d - %d', ErrorCode = '0x%x'. If environment variable 'ASPNETCORE_PORT' was set, try "
            + "removing it such that a random port is selected instead."),
    /** 1000 (warning): the process ran but nothing listened within startupTimeLimit. */
    NOT_LISTENING(1000, Level.WARN, "Application '%s' with physical root '%s' created process with commandline '%s' "
            + "but failed to listen on the given port '%d'"),
    /** 1001 (info): the process is listening. */
    PROCESS_STARTED(1001, Level.INFO, "Application '%s' started process '%d' successfully and process '%d' is "
            + "listening on port '%d'."),
    /** 1003 (info): too many crashes in this minute. */
    RAPID_FAIL_COUNT_EXCEEDED(1003, Level.INFO, "Maximum rapid fail count per minute of '%d' exceeded."),
    /** 1004 (warning): the stdout log file cannot be created; the app runs without it. */
    STDOUT_LOG_FILE_FAILED(1004, Level.WARN, "Could not create stdoutLogFile %s, ErrorCode = '0x%x'."),
    /** 1005 (warning): the process had to be killed. */
    PROCESS_SHUTDOWN_FAILED(1005, Level.WARN, "Failed to gracefully shutdown process with Id '%d'."),
    /** 1006 (info): the shutdown message got an answer. */
    SHUTDOWN_MESSAGE_SENT(1006, Level.INFO, "Sent shutdown HTTP message to process with Id '%d' and received http "
            + "status '%d'."),
    /** 1020 (error): every attempt failed; carries the first 30,000 characters of the captured output. */
    PROCESS_START_FAILED(1020, Level.ERROR, "Application '%s' with physical root '%s' failed to start process with "
            + "commandline '%s' with multiple retries. Failed to bind to port '%d'. First 30KB characters of captured "
            + "stdout and stderr logs from multiple retries:\r\n%s"),
    /** 1030 (info): a process exited on its own (crash or self-stop) and left its slot. */
    PROCESS_SHUT_DOWN(1030, Level.INFO, "Application '%s' with physical root '%s' shut down process with Id '%d' "
            + "listening on port '%d'"),

    // ---- in-process (ANCM's in-process handler; WAS for rapid-fail protection) -----------------------------------

    /** 1005 GRACEFUL_SHUTDOWN_FAILURE. */
    APP_SHUTDOWN_FAILED(1005, Level.WARN, "Failed to gracefully shutdown application '%s'."),
    /** 1007 LOAD_CLR_FAILURE, as ANCM logs a startup timeout; the detail in Java words. */
    STARTUP_TIMED_OUT(1007, Level.ERROR, "Application '%s' with physical root '%s' failed to start. Exception "
            + "message:\r\nThe app did not start its HttpServer within startupTimeLimit (%d ms)."),
    /** 1011 INPROCESS_THREAD_EXIT: ANCM says "has exited from Program.Main", Porter what happened in Java. */
    APP_EXITED(1011, Level.ERROR, "Application '%s' has exited: %s, exit code = '%d'. Please check the stderr logs "
            + "for more information."),
    /** 1035 INPROCESS_THREAD_EXIT with the captured output. */
    APP_EXITED_WITH_OUTPUT(1035, Level.ERROR, "Application '%s' has exited: %s, exit code = '%d'. First 30KB "
            + "characters of captured stdout and stderr logs:\r\n%s"),
    /** 1018 INPROCESS_THREAD_EXCEPTION: the exception and where it was thrown stand for the managed exception code. */
    APP_UNEXPECTED_EXCEPTION(1018, Level.ERROR, "Application '%s' hit an unexpected exception: %s. First 30KB "
            + "characters of captured stdout and stderr logs:\r\n%s"),
    /** 1026 GENERAL_WARNING for a stdout log that cannot be created (the app runs without it). */
    STDOUT_REDIRECTION_FAILED(1026, Level.WARN, "Could not start stdout file redirection to '%s' with application "
            + "base '%s'. %s."),
    /** 1031 INPROCESS_START_ERROR. */
    APP_START_ERROR(1031, Level.ERROR, "Application '%s' failed to start. Exception message:\r\n%s"),
    /** 1032 INPROCESS_START_SUCCESS. */
    APP_STARTED(1032, Level.INFO, "Application '%s' started successfully."),
    /** 1033 APP_SHUTDOWN_SUCCESSFUL. */
    APP_SHUTDOWN(1033, Level.INFO, "Application '%s' has shutdown."),
    /** WAS's 5002: IIS stops an application pool whose workers keep failing; here one in-process application. */
    RAPID_FAIL_PROTECTION(5002, Level.ERROR, "Application '%s' is being automatically disabled due to a series of "
            + "failures: %d within %d s (rapid-fail protection, handlerSettings rapidFailProtectionMaxCrashes and "
            + "rapidFailProtectionInterval). Its requests get 503 until %d s have passed or its web.config changes."),

    // ---- the hosting module (both models) --------------------------------------------------------------------------

    /** 1012 RECYCLE_APP_OFFLINE. */
    RECYCLED_APP_OFFLINE(1012, Level.INFO, "Application '%s' was recycled after detecting app_offline.htm."),
    /** 1021 RECYCLE_CONFIGURATION: the cause, then how (stopped first, or overlapped). */
    RECYCLED_CONFIGURATION(1021, Level.INFO, "Application '%s' was recycled due to %s"),
    /** 1034 CONFIGURATION_LOAD_ERROR. */
    CONFIGURATION_LOAD_ERROR(1034, Level.ERROR, "Application '%s': Could not load configuration. Exception "
            + "message:\r\n%s");

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private final int id;
    private final Level level;
    private final String format;

    AncmEvent(int id, Level level, String format) {
        this.id = id;
        this.level = level;
        this.format = format;
    }

    /** ANCM's event id. */
    public int id() {
        return id;
    }

    public Level level() {
        return level;
    }

    /** The event's text with {@code args} in it, as the log, the error page and the debug log show it. */
    public String text(Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** Logs the event ({@code Event <id>: <text>}) and returns its text. */
    public String log(Object... args) {
        return logText(text(args));
    }

    /** Logs the event with {@code text} already composed (ANCM's text and what follows it); returns it. */
    public String logText(String text) {
        LOG.atLevel(level).log("Event {}: {}", id, text);
        return text;
    }
}
