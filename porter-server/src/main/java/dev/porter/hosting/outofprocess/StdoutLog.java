package dev.porter.hosting.outofprocess;

import dev.porter.config.AppPaths;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where a child's stdout and stderr go when {@code stdoutLogEnabled} (spec §5.1):
 * {@code <stdoutLogFile>_<yyyyMMddHHmmss>_<pid>.log}, the time being the child's launch time in UTC and the pid
 * Porter's own (ANCM: the worker's, not the child's); relative paths are relative to the application directory and the
 * folder is created. Porter appends instead of truncating, so that two slots launched in the same second share the
 * file rather than overwrite each other. Blocking (creates directories): call it from a virtual thread.
 */
final class StdoutLog {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);

    private StdoutLog() {
    }

    static Path fileFor(Path appDirectory, String configured, Instant launchTime) {
        Path base = AppPaths.resolve(appDirectory, configured);
        return base.resolveSibling(base.getFileName() + "_" + STAMP.format(launchTime) + "_"
                + ProcessHandle.current().pid() + ".log");
    }

    /** Creates the file (and its folders); on failure logs event 1004 and returns null: the app runs without it. */
    static Path create(Path appDirectory, String configured, Instant launchTime) {
        Path file = fileFor(appDirectory, configured, launchTime);
        try {
            Files.createDirectories(file.getParent());
            if (!Files.exists(file)) {
                Files.createFile(file);
            }
            if (!Files.isWritable(file)) {
                throw new AccessDeniedException(file.toString());
            }
            return file;
        } catch (IOException | SecurityException e) {
            int code = e instanceof AccessDeniedException ? 0x80070005
                    : e instanceof NoSuchFileException ? 0x80070003 : 0x80004005;
            ProcessEvents.stdoutLogFileFailed(file.toString(), code, e.toString());
            return null;
        }
    }
}
