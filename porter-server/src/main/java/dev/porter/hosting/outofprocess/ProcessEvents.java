package dev.porter.hosting.outofprocess;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The out-of-process handler's events (spec §9), with ANCM's message texts, written to the server log (Porter's
 * stand-in for the Windows event log) under the logger {@code dev.porter.hosting.events}; each line starts with
 * {@code Event <id>:} so that operators can grep for ANCM's event ids. Each method returns the text it logged, for
 * the error page and the debug log.
 */
final class ProcessEvents {

    static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private ProcessEvents() {
    }

    /** 1000 (warning): one start attempt failed. */
    static String startAttemptFailed(String app, String root, String commandLine, String stage, int errorCode,
            int port, int retryCounter) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s' failed to start process "
                + "with commandline '%s' at stage '%s', ErrorCode = '0x%x', assigned port %d, retryCounter '%d'.",
                app, root, commandLine, stage, errorCode, port, retryCounter) + explain(errorCode, port);
        LOG.warn("Event 1000: {}", text);
        return text;
    }

    /** The plain meaning of an HRESULT this handler reports, so that a code never stands alone. */
    static String explain(int errorCode, int port) {
        return switch (errorCode) {
            case 0x80070057 -> " That is: no free port could be chosen in the range " + PortPicker.MIN_PORT + "-"
                    + PortPicker.MAX_PORT + ".";
            case 0x80070002 -> " That is: the program could not be started (check processPath and that it is "
                    + "executable).";
            case 0x8007042B -> " That is: the process exited before it listened on port " + port + ".";
            case 0x800705B4 -> " That is: nothing listened on 127.0.0.1:" + port + " within startupTimeLimit.";
            default -> "";
        };
    }

    /** 1000 (error, Porter's): the process runs but listens where Porter does not forward; no second attempt. */
    static String listeningElsewhere(String app, String root, String commandLine, long pid, int port,
            String misfit) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s': process '%d' started "
                + "with commandline '%s' does not listen on 127.0.0.1:%d. %s", app, root, pid, commandLine, port,
                misfit);
        LOG.error("Event 1000: {}", text);
        return text;
    }

    /** Warning (Porter's): the process can be reached by other machines directly. */
    static String reachableFromOutside(String app, long pid, String exposure) {
        String text = String.format(Locale.ROOT, "Application '%s': process '%d': %s", app, pid, exposure);
        LOG.warn("Event 1000: {}", text);
        return text;
    }

    /** 1001 (info): the process is listening. */
    static String started(String app, long pid, long listeningPid, int port) {
        String text = String.format(Locale.ROOT, "Application '%s' started process '%d' successfully and process "
                + "'%d' is listening on port '%d'.", app, pid, listeningPid, port);
        LOG.info("Event 1001: {}", text);
        return text;
    }

    /** 1003 (info): too many crashes in this minute. */
    static String rapidFailCountExceeded(int limit) {
        String text = String.format(Locale.ROOT, "Maximum rapid fail count per minute of '%d' exceeded.", limit);
        LOG.info("Event 1003: {}", text);
        return text;
    }

    /** 1004 (warning): the stdout log file cannot be created; the app runs without it. */
    static String stdoutLogFileFailed(String path, int errorCode, String why) {
        String text = String.format(Locale.ROOT, "Could not create stdoutLogFile %s, ErrorCode = '0x%x'.", path,
                errorCode);
        LOG.warn("Event 1004: {} ({})", text, why);
        return text;
    }

    /** 1005 (warning): the process had to be killed. */
    static String gracefulShutdownFailed(long pid) {
        String text = String.format(Locale.ROOT, "Failed to gracefully shutdown process with Id '%d'.", pid);
        LOG.warn("Event 1005: {}", text);
        return text;
    }

    /** 1006 (info): the shutdown message got an answer. */
    static String shutdownMessageSent(long pid, int status) {
        String text = String.format(Locale.ROOT, "Sent shutdown HTTP message to process with Id '%d' and received "
                + "http status '%d'.", pid, status);
        LOG.info("Event 1006: {}", text);
        return text;
    }

    /** 1020 (error): every attempt failed; carries the first 30,000 characters of the captured output. */
    static String startFailed(String app, String root, String commandLine, int port, String capturedOutput) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s' failed to start process "
                + "with commandline '%s' with multiple retries. Failed to bind to port '%d'. First 30KB characters of "
                + "captured stdout and stderr logs from multiple retries:\r\n%s", app, root, commandLine, port,
                capturedOutput);
        LOG.error("Event 1020: {}", text);
        return text;
    }

    /** 1000-family (error): the configured ASPNETCORE_PORT is unusable (a critical error: no retry). */
    static String portSetupFailed(String app, String root, int port, int errorCode) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s' failed to choose listen "
                + "port '%d' given port range '%d - %d', ErrorCode = '0x%x'. If environment variable "
                + "'ASPNETCORE_PORT' was set, try removing it such that a random port is selected instead.", app,
                root, port, PortPicker.MIN_PORT, PortPicker.MAX_PORT, errorCode);
        LOG.error("Event 1000: {}", text);
        return text;
    }

    /** 1000-family (error): the process ran but nothing listened within startupTimeLimit. */
    static String notListening(String app, String root, String commandLine, int port) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s' created process with "
                + "commandline '%s' but failed to listen on the given port '%d'", app, root, commandLine, port);
        LOG.warn("Event 1000: {}", text);
        return text;
    }

    /** 1030 (info): a process exited on its own (crash or self-stop) and left its slot. */
    static String processShutDown(String app, String root, long pid, int port) {
        String text = String.format(Locale.ROOT, "Application '%s' with physical root '%s' shut down process with "
                + "Id '%d' listening on port '%d'", app, root, pid, port);
        LOG.info("Event 1030: {}", text);
        return text;
    }
}
