package dev.porter.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The resident memory (RSS) of processes, from Linux's {@code /proc/<pid>/status} ({@code VmRSS}): what the status
 * page and {@code porter_app_process_memory_bytes} show for an out-of-process application (its processes and their
 * descendants, e.g. a JVM started by a shell script). An in-process application shares Porter's JVM, whose memory has
 * no per-application share: its memory is unknown (NaN), and Porter's own is in the JVM meters.
 *
 * <p>Threading: stateless; reads files, so call it off event loops.
 */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** The summed RSS of these processes and their descendants in bytes, NaN when none could be read. */
    static double residentBytes(List<Long> pids) {
        double total = 0;
        boolean any = false;
        for (long pid : pids) {
            long own = residentBytes(pid);
            if (own >= 0) {
                total += own;
                any = true;
            }
            for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
                long bytes = residentBytes(child.pid());
                if (bytes >= 0) {
                    total += bytes;
                }
            }
        }
        return any ? total : Double.NaN;
    }

    /** One process's RSS in bytes, or -1 (gone, not Linux, not readable). */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+", -1);
                    return Long.parseLong(parts[0]) * 1024; // "kB"
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or not Linux
        }
        return -1;
    }
}
