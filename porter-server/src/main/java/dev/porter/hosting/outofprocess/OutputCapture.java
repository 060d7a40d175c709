package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The first {@value #LIMIT} characters of the children's stdout and stderr for one start of a slot, across its
 * attempts (spec §5.2): what event 1020 and the detailed 502.5 page show. Each child's pipe is drained for ever, also
 * once the capture is full: a Linux pipe holds 64 KiB and then blocks the child. The drain is a small platform daemon
 * thread, not a virtual one: a pipe read blocks in the kernel, which a virtual thread can only do by taking a carrier
 * out of the scheduler (compensation, capped at 256), and a drain lives as long as its child.
 */
final class OutputCapture {

    static final int LIMIT = 30_000;

    private final ReentrantLock lock = new ReentrantLock();
    private final StringBuilder text = new StringBuilder();

    /** Starts draining {@code output} (the child's merged stdout and stderr) on its own thread. */
    Thread drain(InputStream output, long pid) {
        return Thread.ofPlatform().daemon().stackSize(128 * 1024).name("porter-drain-" + pid).start(() -> {
            char[] buffer = new char[8192];
            try (Reader reader = new InputStreamReader(output, StandardCharsets.UTF_8)) {
                int n;
                while ((n = reader.read(buffer)) >= 0) {
                    append(buffer, n);
                }
            } catch (IOException e) {
                // the child is gone and its pipe with it
            }
        });
    }

    private void append(char[] chars, int n) {
        lock.lock();
        try {
            int room = LIMIT - text.length();
            if (room > 0) {
                text.append(chars, 0, Math.min(room, n));
            }
        } finally {
            lock.unlock();
        }
    }

    String text() {
        lock.lock();
        try {
            return text.toString();
        } finally {
            lock.unlock();
        }
    }
}
