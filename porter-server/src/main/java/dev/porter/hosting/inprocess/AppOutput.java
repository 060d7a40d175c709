package dev.porter.hosting.inprocess;

import dev.porter.config.AppPaths;
import dev.porter.config.AspNetCoreConfig;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.StdoutLogRetention;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An app domain's {@code System.out} and {@code System.err} (spec §5): both go to the app's stdout log file when
 * {@code stdoutLogEnabled} (named {@code <stdoutLogFile>_<yyyyMMddHHmmss>_<pid>.log} from the server's start time and
 * pid, UTC, appended, deleted at close if empty), else to the server's own stdout; and the first 30,000 characters are
 * kept for error pages and log events. Thread-safe: the app writes from any thread.
 */
final class AppOutput implements AutoCloseable {

    static final int CAPTURE_CHARACTERS = 30_000;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);

    private final ReentrantLock lock = new ReentrantLock();
    private final StringBuilder captured = new StringBuilder();
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final CharBuffer decoded = CharBuffer.allocate(4096);
    private final OutputStream file;
    private final Path filePath;
    private final OutputStream passThroughOut;
    private final OutputStream passThroughErr;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param logFile the resolved stdoutLogFile base name, or null when stdout logging is off
     * @throws IOException when the log file cannot be created (the caller logs event 1026 and goes on without it)
     */
    static AppOutput open(Path logFile) throws IOException {
        if (logFile == null) {
            return new AppOutput(null, null);
        }
        Path path = fileName(logFile);
        Files.createDirectories(path.getParent());
        OutputStream stream = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new AppOutput(stream, path);
    }

    /** {@code <base>_<server start, UTC, yyyyMMddHHmmss>_<server pid>.log}. */
    static Path fileName(Path base) {
        ProcessHandle self = ProcessHandle.current();
        Instant started = self.info().startInstant().orElse(ServerStart.INSTANT);
        return base.resolveSibling(base.getFileName() + "_" + STAMP.format(started) + "_" + self.pid() + ".log");
    }

    /** Whether this server has no OS start time: then the class-load time stands in, once per server. */
    @SuppressWarnings("TimeInStaticInitializer") // the class-load time is the point: the first use stands for the start
    private static final class ServerStart {
        static final Instant INSTANT = Instant.now();
    }

    /**
     * The stdout of one incarnation of an app, from its web.config: the stdout log (older files pruned) when
     * {@code stdoutLogEnabled}, else none. A log that cannot be opened is event 1026 and the app runs without it.
     */
    static AppOutput forApp(ApplicationContext context) {
        AspNetCoreConfig config = context.webConfig().aspNetCore();
        Path logBase = null;
        try {
            logBase = config.stdoutLogEnabled() ? AppPaths.resolve(context.physicalPath(), config.stdoutLogFile())
                    : null;
            AppOutput output = open(logBase);
            if (logBase != null && output.filePath() != null) {
                StdoutLogRetention.prune(logBase, output.filePath(), config, context.configPath());
            }
            return output;
        } catch (IOException | RuntimeException e) {
            InProcessEvents.stdoutRedirectionFailed(String.valueOf(logBase), context.physicalPath(), e.toString());
            return none();
        }
    }

    /** Stdout-only (no file): for failures before a log file could be opened. */
    static AppOutput none() {
        return new AppOutput(null, null);
    }

    private AppOutput(OutputStream file, Path filePath) {
        this.file = file;
        this.filePath = filePath;
        this.passThroughOut = file == null ? new UnclosableStream(ServerStreams.OUT) : null;
        this.passThroughErr = file == null ? new UnclosableStream(ServerStreams.ERR) : null;
        this.out = new PrintStream(new Sink(passThroughOut), true, StandardCharsets.UTF_8);
        this.err = new PrintStream(new Sink(passThroughErr), true, StandardCharsets.UTF_8);
    }

    /** The server's own streams as they were when Porter started (an app's setOut never changes them). */
    private static final class ServerStreams {
        static final PrintStream OUT = System.out;
        static final PrintStream ERR = System.err;
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    Path filePath() {
        return filePath;
    }

    /** The first 30,000 characters the app wrote to stdout and stderr. */
    String captured() {
        lock.lock();
        try {
            return captured.toString();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
        if (file == null) {
            return;
        }
        lock.lock();
        try {
            file.close();
            if (Files.size(filePath) == 0) {
                Files.deleteIfExists(filePath);
            }
        } catch (IOException e) {
            // the app is gone; nothing useful to do with a failing close
        } finally {
            lock.unlock();
        }
    }

    private void write(OutputStream passThrough, byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (captured.length() < CAPTURE_CHARACTERS) {
                capture(b, off, len);
            }
            if (file != null) {
                file.write(b, off, len);
            } else {
                passThrough.write(b, off, len);
            }
        } finally {
            lock.unlock();
        }
    }

    private void capture(byte[] b, int off, int len) {
        ByteBuffer in = ByteBuffer.wrap(b, off, len);
        while (in.hasRemaining() && captured.length() < CAPTURE_CHARACTERS) {
            decoded.clear();
            decoder.decode(in, decoded, false);
            decoded.flip();
            int room = CAPTURE_CHARACTERS - captured.length();
            captured.append(decoded, 0, Math.min(room, decoded.remaining()));
            if (decoded.limit() == 0 && in.hasRemaining()) {
                break; // an incomplete sequence at the end: wait for the next write
            }
        }
    }

    /** One of the two streams; both feed the same capture and file. */
    private final class Sink extends OutputStream {
        private final OutputStream passThrough;

        Sink(OutputStream passThrough) {
            this.passThrough = passThrough;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            AppOutput.this.write(passThrough, b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (file != null) {
                file.flush();
            } else if (passThrough != null) {
                passThrough.flush();
            }
        }
    }

    private static final class UnclosableStream extends OutputStream {
        private final PrintStream target;

        UnclosableStream(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
