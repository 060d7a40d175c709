package dev.porter.hosting.outofprocess;

import dev.porter.config.AppPaths;
import dev.porter.config.AspNetCoreConfig;
import dev.porter.hosting.ServerEnvironment;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The module's diagnostic log (spec §4, handler settings {@code debugLevel} and {@code debugFile}; environment
 * {@code ASPNETCORE_MODULE_DEBUG} and {@code ASPNETCORE_MODULE_DEBUG_FILE} as the initial values).
 *
 * <p>{@code debugLevel} is a comma-separated list; each token matches by prefix, case-insensitively: levels
 * {@code error} ⊂ {@code warning} ⊂ {@code info} ⊂ {@code trace}, sinks {@code console} (stderr), {@code file}
 * (UTF-8, appended, folders created; {@code .\aspnetcore-debug.log} by default) and {@code eventlog} (the server log).
 * Sinks alone mean {@code info}. Lines are {@code [porter] <message>} where ANCM writes
 * {@code [aspnetcorev2_outofprocess.dll] <message>}. When {@code ASPNETCORE_MODULE_DEBUG_FILE} names one file and the
 * {@code debugFile} handler setting another, the log starts in the first and switches to the second with ANCM's line
 * {@code Switching debug log files to '<file>'}. Thread-safe; writes block briefly (call from virtual threads).
 * Public for the in-process handler, which writes the same log ({@code aspnetcorev2_inprocess.dll}'s role).
 */
public final class ModuleDebugLog {

    public enum Level { ERROR, WARNING, INFO, TRACE }

    private static final Logger EVENT_LOG = LoggerFactory.getLogger("dev.porter.hosting.debug");
    static final String DEFAULT_FILE = ".\\aspnetcore-debug.log";

    private final Level level;
    private final boolean console;
    private final boolean eventLog;
    private final Path file;
    /** The environment's initial file, when web.config names another one: the log switches from it. */
    private final Path initialFile;
    private volatile String handler = "porter out-of-process handler";
    private final ReentrantLock lock = new ReentrantLock();
    private boolean headerWritten;

    private ModuleDebugLog(Level level, boolean console, boolean eventLog, Path file, Path initialFile) {
        this.level = level;
        this.console = console;
        this.eventLog = eventLog;
        this.file = file;
        this.initialFile = initialFile;
    }

    /** The in-process handler's log: the same settings, its own name in the header line. */
    public static ModuleDebugLog forInProcess(AspNetCoreConfig config, Path appDirectory,
            ServerEnvironment environment) {
        ModuleDebugLog log = of(config, appDirectory, environment);
        log.handler = "porter in-process handler";
        return log;
    }

    static ModuleDebugLog of(AspNetCoreConfig config, Path appDirectory, ServerEnvironment environment) {
        String levels = config.handlerSetting("debugLevel")
                .or(() -> environment.get("ASPNETCORE_MODULE_DEBUG")).orElse("");
        String configuredFile = config.handlerSetting("debugFile")
                .or(() -> environment.get("ASPNETCORE_MODULE_DEBUG_FILE")).orElse(null);
        Level level = null;
        boolean console = false;
        boolean fileSink = false;
        boolean eventLog = false;
        for (String raw : levels.split(",", -1)) {
            String token = raw.trim().toLowerCase(Locale.ROOT);
            if (token.isEmpty()) {
                continue;
            }
            if ("error".startsWith(token)) {
                level = max(level, Level.ERROR);
            } else if ("warning".startsWith(token)) {
                level = max(level, Level.WARNING);
            } else if ("info".startsWith(token)) {
                level = max(level, Level.INFO);
            } else if ("trace".startsWith(token)) {
                level = max(level, Level.TRACE);
            } else if ("console".startsWith(token)) {
                console = true;
            } else if ("file".startsWith(token)) {
                fileSink = true;
            } else if ("eventlog".startsWith(token)) {
                eventLog = true;
            }
        }
        if (configuredFile != null) {
            fileSink = true; // a named debug file is a file sink, as in ANCM
        }
        if (!console && !fileSink && !eventLog) {
            return new ModuleDebugLog(null, false, false, null, null);
        }
        Path file = fileSink ? AppPaths.resolve(appDirectory, configuredFile != null ? configuredFile : DEFAULT_FILE)
                : null;
        Path initialFile = null;
        Optional<String> environmentFile = environment.get("ASPNETCORE_MODULE_DEBUG_FILE");
        if (file != null && config.handlerSetting("debugFile").isPresent() && environmentFile.isPresent()
                && !environmentFile.get().isEmpty()) {
            Path initial = AppPaths.resolve(appDirectory, environmentFile.get());
            initialFile = initial.equals(file) ? null : initial;
        }
        return new ModuleDebugLog(level == null ? Level.INFO : level, console, eventLog, file, initialFile);
    }

    private static Level max(Level a, Level b) {
        return a == null || b.compareTo(a) > 0 ? b : a; // declared from ERROR to TRACE
    }

    public boolean enabled(Level at) {
        return level != null && at.compareTo(level) <= 0;
    }

    public void error(String message) {
        write(Level.ERROR, message);
    }

    public void warning(String message) {
        write(Level.WARNING, message);
    }

    public void info(String message) {
        write(Level.INFO, message);
    }

    public void trace(String message) {
        write(Level.TRACE, message);
    }

    private void write(Level at, String message) {
        if (!enabled(at)) {
            return;
        }
        lock.lock();
        try {
            if (!headerWritten) {
                // written with the first line rather than at creation, which may happen on an event loop
                headerWritten = true;
                String header = "Initializing logs for '" + handler + "'. Process Id: "
                        + ProcessHandle.current().pid() + ".";
                if (initialFile != null) {
                    append(initialFile, header);
                    append(initialFile, "Switching debug log files to '" + file + "'");
                }
                emit(header);
            }
            emit(message);
        } finally {
            lock.unlock();
        }
    }

    private void emit(String message) {
        String line = "[porter] " + message + System.lineSeparator();
        if (console) {
            System.err.print(line);
        }
        if (eventLog) {
            EVENT_LOG.info("Event 1036: {}", message);
        }
        if (file != null) {
            append(file, message);
        }
    }

    private static void append(Path to, String message) {
        try {
            Files.createDirectories(to.getParent());
            try (Writer w = Files.newBufferedWriter(to, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                w.write("[porter] " + message + System.lineSeparator());
            }
        } catch (IOException e) {
            EVENT_LOG.warn("Cannot write the debug log {}: {}", to, e.toString());
        }
    }
}
