package dev.porter.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import dev.porter.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Sends Porter's own log to a directory ({@code --log-dir}, {@code PORTER_LOG_DIR}): Logback is reconfigured with the
 * bundled {@code logback-file.xml} (a rolling {@code porter.log}: daily and by size, gzipped, bounded history and total
 * size; warnings also on stderr). A Logback file of the user's own ({@code -Dlogback.configurationFile}) wins: then
 * nothing is changed.
 *
 * <p>Threading: called once on the main thread before the server starts.
 */
final class LogFiles {

    static final String CONFIGURATION = "logback-file.xml";

    private LogFiles() {
    }

    /**
     * Sends Porter's log to rolling files in the directory, unless the user's own Logback configuration is in charge.
     *
     * @return false when the user's own Logback configuration is in charge (the directory is then not used)
     */
    static boolean toDirectory(Path directory) throws ConfigException {
        if (System.getProperty("logback.configurationFile") != null) {
            return false;
        }
        Path dir = directory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException(dir, "--log-dir: cannot create the log directory: " + e.getMessage());
        }
        if (!Files.isWritable(dir)) {
            throw new ConfigException(dir, "--log-dir: the log directory is not writable by this user.");
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return false;
        }
        context.reset();
        context.putProperty("PORTER_LOG_DIR", dir.toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try (InputStream in = LogFiles.class.getResourceAsStream(CONFIGURATION)) {
            configurator.doConfigure(in);
        } catch (IOException | JoranException e) {
            throw new IllegalStateException("Porter's bundled " + CONFIGURATION + " cannot be used: "
                    + context.getStatusManager().getCopyOfStatusList(), e);
        }
        for (Status status : context.getStatusManager().getCopyOfStatusList()) {
            if (status.getLevel() >= Status.ERROR) {
                throw new ConfigException(dir, "--log-dir: logging to a file failed: " + status.getMessage()
                        + " (check PORTER_LOG_MAX_FILE_SIZE, PORTER_LOG_MAX_HISTORY, PORTER_LOG_TOTAL_SIZE_CAP)");
            }
        }
        return true;
    }
}
