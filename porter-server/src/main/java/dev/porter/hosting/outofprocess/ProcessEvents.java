package dev.porter.hosting.outofprocess;

import dev.porter.hosting.ancm.AncmEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The out-of-process handler's events (spec §9): the calls its classes make, each logging an {@link AncmEvent} of the
 * catalogue both hosting models share (id, level and ANCM's text) and returning the text it logged, for the error page
 * and the debug log. {@link #LOG} is the events logger, for Porter's own lines that have no ANCM id.
 */
final class ProcessEvents {

    static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private ProcessEvents() {
    }

    /** 1000 (warning): one start attempt failed. */
    static String startAttemptFailed(String app, String root, String commandLine, String stage, int errorCode,
            int port, int retryCounter) {
        return AncmEvent.START_ATTEMPT_FAILED.logText(AncmEvent.START_ATTEMPT_FAILED.text(app, root, commandLine,
                stage, errorCode, port, retryCounter) + explain(errorCode, port));
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
        return AncmEvent.LISTENING_ELSEWHERE.log(app, root, pid, commandLine, port, misfit);
    }

    /** Warning (Porter's): the process can be reached by other machines directly. */
    static String reachableFromOutside(String app, long pid, String exposure) {
        return AncmEvent.REACHABLE_FROM_OUTSIDE.log(app, pid, exposure);
    }

    /** 1001 (info): the process is listening. */
    static String started(String app, long pid, long listeningPid, int port) {
        return AncmEvent.PROCESS_STARTED.log(app, pid, listeningPid, port);
    }

    /** 1003 (info): too many crashes in this minute. */
    static String rapidFailCountExceeded(int limit) {
        return AncmEvent.RAPID_FAIL_COUNT_EXCEEDED.log(limit);
    }

    /** 1004 (warning): the stdout log file cannot be created; the app runs without it. */
    static String stdoutLogFileFailed(String path, int errorCode, String why) {
        String text = AncmEvent.STDOUT_LOG_FILE_FAILED.text(path, errorCode);
        AncmEvent.STDOUT_LOG_FILE_FAILED.logText(text + " (" + why + ")");
        return text;
    }

    /** 1005 (warning): the process had to be killed. */
    static String gracefulShutdownFailed(long pid) {
        return AncmEvent.PROCESS_SHUTDOWN_FAILED.log(pid);
    }

    /** 1006 (info): the shutdown message got an answer. */
    static String shutdownMessageSent(long pid, int status) {
        return AncmEvent.SHUTDOWN_MESSAGE_SENT.log(pid, status);
    }

    /** 1020 (error): every attempt failed; carries the first 30,000 characters of the captured output. */
    static String startFailed(String app, String root, String commandLine, int port, String capturedOutput) {
        return AncmEvent.PROCESS_START_FAILED.log(app, root, commandLine, port, capturedOutput);
    }

    /** 1000-family (error): the configured ASPNETCORE_PORT is unusable (a critical error: no retry). */
    static String portSetupFailed(String app, String root, int port, int errorCode) {
        return AncmEvent.PORT_SETUP_FAILED.log(app, root, port, PortPicker.MIN_PORT, PortPicker.MAX_PORT, errorCode);
    }

    /** 1000-family (error): the process ran but nothing listened within startupTimeLimit. */
    static String notListening(String app, String root, String commandLine, int port) {
        return AncmEvent.NOT_LISTENING.log(app, root, commandLine, port);
    }

    /** 1030 (info): a process exited on its own (crash or self-stop) and left its slot. */
    static String processShutDown(String app, String root, long pid, int port) {
        return AncmEvent.PROCESS_SHUT_DOWN.log(app, root, pid, port);
    }
}
