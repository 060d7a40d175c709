package dev.porter.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java command started as a user starts it (the {@code porter} CLI, an app's main class): the JVM running the tests,
 * this test JVM's class path, everything it prints (stdout and stderr) to a file, so the OS drains it and the child
 * never blocks on a full pipe. {@link #close()} kills it by its own handle if it still runs.
 *
 * <p>Threading: one test thread uses it.
 */
public final class ChildJvm implements AutoCloseable {

    /**
     * {@code env --default-signal=INT}, where env(1) has it (coreutils 8.31+): it resets SIGINT to its default, then
     * execs java (same pid). A shell starts a background job with SIGINT ignored, the build and this test JVM inherit
     * that, and a JVM started with SIGINT ignored never installs a handler for it (HotSpot leaves an ignored shutdown
     * signal ignored), so Ctrl-C's signal would never reach the child: a suite started with {@code .ci/run &} failed
     * {@code PorterCommandTest.sigintStopsCleanlyToo} that way. A user's interactive shell gives the default.
     */
    private static final List<String> SIGINT_AS_A_USER_HAS_IT = sigintReset();

    private final Process process;
    private final Path output;

    private static List<String> sigintReset() {
        List<String> reset = List.of("env", "--default-signal=INT");
        try {
            Process probe = new ProcessBuilder(reset.get(0), reset.get(1), "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return reset;
            }
            probe.destroyForcibly();
        } catch (IOException e) {
            // no env(1) with that option: the child gets this JVM's signal dispositions
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }

    private ChildJvm(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * Runs {@code java <jvmOptions> -cp <this JVM's class path> <mainClass> <args>}, its output to {@code output}.
     * Surefire and failsafe put the test class path in {@code java.class.path}.
     */
    public static ChildJvm start(Path output, List<String> jvmOptions, String mainClass, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(SIGINT_AS_A_USER_HAS_IT);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(output.toFile()).start();
        return new ChildJvm(process, output);
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** Everything it has printed so far. */
    public String output() {
        return read(output);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits (60 s at most, a failure guard) until its output matches {@code pattern}, and returns the pattern's first
     * group as a number (a port it printed). Fails with the output when it exits first or never prints it.
     */
    public int awaitNumber(Pattern pattern) {
        return awaitNumber(output, pattern);
    }

    /** As {@link #awaitNumber(Pattern)}, in another file the child writes (its log file). */
    public int awaitNumber(Path file, Pattern pattern) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> !process.isAlive() || pattern.matcher(read(file)).find());
        Matcher m = pattern.matcher(read(file));
        if (!m.find()) {
            throw new AssertionError("no '" + pattern + "' in " + file + (process.isAlive() ? "" : " (the child exited "
                    + process.exitValue() + ")") + ":\n" + read(file) + "\nits output:\n" + output());
        }
        return Integer.parseInt(m.group(1));
    }

    /** Waits (30 s at most, a failure guard) for it to exit, and returns its exit status. */
    public int exitCode() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after 30 s; its output:\n" + output());
        }
        return process.exitValue();
    }

    /** Kills it (SIGKILL) if it still runs, and waits a little for the exit. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
