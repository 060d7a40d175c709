package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Forks every child from one platform thread that lives as long as the JVM. A parent-death signal (set by the
 * {@code setpriv} wrapper, see {@link LaunchCommand}) fires when the thread that forked the child exits, not the
 * process: forking from a virtual thread's carrier or a pool thread that may be retired would kill the child when that
 * thread goes. Threading: {@link #start} blocks the caller (a virtual thread) until the fork is done.
 */
final class ProcessLauncher {

    private static final ExecutorService FORKER = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("porter-process-launcher").factory());

    private ProcessLauncher() {
    }

    static Process start(ProcessBuilder builder) throws IOException {
        Future<Process> forked = FORKER.submit(builder::start);
        try {
            return forked.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("Cannot start " + builder.command(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forked.cancel(false);
            throw new IOException("Interrupted while starting " + builder.command(), e);
        }
    }
}
