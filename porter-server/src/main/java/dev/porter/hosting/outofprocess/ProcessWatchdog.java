package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of "children never outlive the server": a tiny {@code sh} process, in its own session, that holds the
 * process groups of Porter's live children and kills them all when its stdin (a pipe from Porter) reaches end of
 * file, which the kernel guarantees however Porter ends, SIGKILL included. The parent-death signal
 * ({@link LaunchCommand}) kills each direct child; this also takes the children's own children, which are in their
 * group. ANCM gets both from a kill-on-close Job Object.
 *
 * <p>Protocol on the pipe: {@code +<pgid>} registers a group, {@code -<pgid>} forgets it (after the group is gone).
 * If the watchdog has died, the next registration starts a new one and hands it every group still known. Thread-safe;
 * writes block briefly (call from virtual threads).
 */
final class ProcessWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessWatchdog.class);
    // dash's kill takes "-9 -<pgid>" (not "-KILL -- -<pgid>"); signals from a terminal are ignored: only EOF counts.
    static final String SCRIPT = """
            trap '' INT HUP TERM QUIT
            groups=" "
            while IFS= read -r line; do
              case "$line" in
                +*) groups="$groups${line#+} " ;;
                -*) g="${line#-}"; case "$groups" in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
              esac
            done
            for g in $groups; do kill -9 -$g 2>/dev/null; done
            """;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Set<Long> GROUPS = new LinkedHashSet<>();
    private static Process watchdog;
    private static OutputStream pipe;
    private static boolean unavailable;

    private ProcessWatchdog() {
    }

    static void register(long pgid) {
        LOCK.lock();
        try {
            GROUPS.add(pgid);
            if (!send("+" + pgid)) {
                restart();
            }
        } finally {
            LOCK.unlock();
        }
    }

    static void unregister(long pgid) {
        LOCK.lock();
        try {
            if (GROUPS.remove(pgid)) {
                send("-" + pgid);
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** The watchdog's pid, or -1 when none runs (tests tell it apart from the children they clean up). */
    static long pid() {
        LOCK.lock();
        try {
            return watchdog != null && watchdog.isAlive() ? watchdog.pid() : -1;
        } finally {
            LOCK.unlock();
        }
    }

    private static boolean send(String line) {
        if (pipe == null) {
            return false;
        }
        try {
            pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts a watchdog and tells it every known group. Called with the lock held. */
    private static void restart() {
        if (unavailable) {
            return;
        }
        if (watchdog != null) {
            LOG.warn("The process watchdog {} is gone; starting a new one", watchdog.pid());
            watchdog.toHandle().destroyForcibly();
        }
        try {
            ProcessBuilder builder = Files.isExecutable(LaunchCommand.SETSID)
                    ? new ProcessBuilder(LaunchCommand.SETSID.toString(), "/bin/sh", "-c", SCRIPT)
                    : new ProcessBuilder("/bin/sh", "-c", SCRIPT);
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            watchdog = builder.start();
            pipe = watchdog.getOutputStream();
            for (long group : GROUPS) {
                send("+" + group);
            }
        } catch (IOException e) {
            unavailable = true;
            watchdog = null;
            pipe = null;
            LOG.warn("Cannot start the process watchdog ({}): if Porter is killed with SIGKILL, the children of its "
                    + "children may outlive it", e.toString());
        }
    }
}
