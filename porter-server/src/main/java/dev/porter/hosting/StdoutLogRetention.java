package dev.porter.hosting;

import dev.porter.config.AspNetCoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes an application's stdout log files ({@code <stdoutLogFile>_<stamp>_<pid>.log}, spec §5.1), which ANCM lets
 * pile up for ever: each time a hosting model opens a new one, the oldest beyond the application's limits are
 * deleted. Beyond ANCM; set per application in web.config's {@code handlerSettings}:
 * <ul>
 * <li>{@code stdoutLogMaxFiles}: keep the newest N files (default {@value #DEFAULT_MAX_FILES}; 0: no limit);</li>
 * <li>{@code stdoutLogMaxTotalSize}: keep the newest files up to this many bytes in all (default 0: no limit).</li>
 * </ul>
 * The file just opened is never deleted. "Newest" is by modification time. Only files of this application's base
 * name are considered: other files in the folder are left alone.
 *
 * <p>Threading: blocking file work; call it where the log file is opened (a virtual thread).
 */
public final class StdoutLogRetention {

    static final int DEFAULT_MAX_FILES = 10;
    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.hosting.events");

    private StdoutLogRetention() {
    }

    /**
     * After {@code current} was opened for the base {@code base} (the resolved stdoutLogFile), deletes the oldest
     * files beyond the limits of {@code config}.
     */
    public static void prune(Path base, Path current, AspNetCoreConfig config, String appName) {
        long maxFiles = setting(config, "stdoutLogMaxFiles", DEFAULT_MAX_FILES, appName);
        long maxTotal = setting(config, "stdoutLogMaxTotalSize", 0, appName);
        if (maxFiles == 0 && maxTotal == 0) {
            return;
        }
        Path folder = base.getParent();
        String prefix = base.getFileName() + "_";
        record LogFile(Path path, FileTime modified, long size) {
        }
        List<LogFile> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && name.endsWith(".log") && Files.isRegularFile(p)) {
                    files.add(new LogFile(p, Files.getLastModifiedTime(p), Files.size(p)));
                }
            }
        } catch (IOException e) {
            LOG.warn("Application '{}': cannot list {} to prune old stdout logs: {}", appName, folder, e.toString());
            return;
        }
        // newest first; the current file first of all
        files.sort(Comparator.comparing((LogFile f) -> !f.path().equals(current))
                .thenComparing(LogFile::modified, Comparator.reverseOrder()));
        long kept = 0;
        long total = 0;
        for (LogFile f : files) {
            boolean keep = f.path().equals(current)
                    || ((maxFiles == 0 || kept < maxFiles) && (maxTotal == 0 || total + f.size() <= maxTotal));
            if (keep) {
                kept++;
                total += f.size();
                continue;
            }
            try {
                Files.deleteIfExists(f.path());
                LOG.info("Application '{}': deleted the old stdout log {} (handlerSettings stdoutLogMaxFiles={}, "
                        + "stdoutLogMaxTotalSize={})", appName, f.path(), maxFiles, maxTotal);
            } catch (IOException e) {
                LOG.warn("Application '{}': cannot delete the old stdout log {}: {}", appName, f.path(), e.toString());
            }
        }
    }

    private static long setting(AspNetCoreConfig config, String name, long defaultValue, String appName) {
        String value = config.handlerSetting(name).map(String::strip).orElse(null);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        LOG.warn("Application '{}': web.config <handlerSetting name=\"{}\" value=\"{}\">: not a whole number >= 0 "
                + "(0: no limit); using {}", appName, name, value, defaultValue);
        return defaultValue;
    }
}
