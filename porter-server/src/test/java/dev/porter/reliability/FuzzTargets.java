package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * The build's bounded fuzzing, declared once: the {@code fuzz} execution in porter-server/pom.xml runs this class
 * alone, and it fuzzes every {@code @FuzzTest} method of every {@code *FuzzTest} class in the test classes, each for
 * {@code jazzer.max_duration} in a JVM of its own. A JVM each, because Jazzer fuzzes only the first fuzz test a JVM
 * meets and skips the rest (jazzer issue 599); a new fuzz target therefore needs no build change, only the class
 * name ending.
 *
 * <p>The child JVM is {@link #main} on the same test class path with {@code JAZZER_FUZZ=1}: it runs one fuzz test
 * through the JUnit Platform launcher and exits 0 when it passed. A finding fails that target's dynamic test with the
 * end of the child's output; Jazzer has then written the crashing input under
 * {@code src/test/resources/<package>/<Class>Inputs/<method>/}, to commit as a regression input. Each child's whole
 * output is in {@code target/fuzz-reports/<Class>.<method>.log}.
 *
 * <p>Not a {@code *Test} class: neither {@code mvn test} nor failsafe picks it up, and named by {@code -Dtest} it
 * stands aside unless {@code porter.fuzzing} is set, as the fuzz execution does.
 */
class FuzzTargets {

    private static final long TARGET_TIMEOUT_MINUTES = 10;

    @TestFactory
    Stream<DynamicTest> everyFuzzTargetFuzzesInAJvmOfItsOwn() throws IOException, URISyntaxException {
        assumeTrue(Boolean.getBoolean("porter.fuzzing"), "fuzzes only in the fuzz execution of mvn verify, which "
                + "sets porter.fuzzing (porter-server/pom.xml); -Dtest=...FuzzTest replays a class's stored inputs");
        Path testClasses = Path.of(FuzzTargets.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> targets = targets(testClasses);
        assertThat(targets).as("fuzz targets under %s", testClasses).isNotEmpty();
        Path reports = testClasses.resolveSibling("fuzz-reports");
        Files.createDirectories(reports);
        return targets.stream().map(target -> dynamicTest(target, () -> fuzz(target, reports)));
    }

    /** {@code fully.qualified.Class#method} of each fuzz test, in a stable order. */
    private static List<String> targets(Path testClasses) throws IOException {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> files = Files.walk(testClasses)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith("FuzzTest.class")).sorted()
                    .toList()) {
                String relative = testClasses.relativize(file).toString();
                String className = relative.substring(0, relative.length() - ".class".length())
                        .replace(file.getFileSystem().getSeparator(), ".");
                Class<?> type;
                try {
                    type = Class.forName(className, false, FuzzTargets.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("cannot load " + className, e);
                }
                Arrays.stream(type.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(FuzzTest.class))
                        .map(Method::getName).sorted(Comparator.naturalOrder())
                        .forEach(m -> targets.add(className + "#" + m));
            }
        }
        return targets;
    }

    private static void fuzz(String target, Path reports) throws IOException, InterruptedException {
        String simple = target.substring(target.lastIndexOf('.') + 1).replace('#', '.');
        Path log = reports.resolve(simple + ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--add-exports");
        command.add("jdk.httpserver/sun.net.httpserver=ALL-UNNAMED");
        for (String property : List.of("jazzer.max_duration", "jazzer.instrumentation_includes")) {
            String value = System.getProperty(property);
            if (value != null) {
                command.add("-D" + property + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(FuzzTargets.class.getName());
        command.add(target);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAZZER_FUZZ", "1");
        Process child = builder.start();
        try {
            boolean ended = child.waitFor(TARGET_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            assertThat(ended).as("%s still fuzzing after %d minutes; its output: %s", target, TARGET_TIMEOUT_MINUTES,
                    log).isTrue();
            assertThat(child.exitValue()).as("%s: exit status of its fuzzing JVM; the end of its output (all of it in"
                    + " %s):%n%s", target, log, tail(log)).isZero();
        } finally {
            child.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * In the child JVM: runs the one fuzz test {@code args[0]} ({@code Class#method}) and exits 0 when it ran and
     * passed, 1 when it failed, 2 when it did not run (not found, or skipped by Jazzer).
     */
    public static void main(String[] args) throws ClassNotFoundException {
        String target = args[0];
        Class<?> type = Class.forName(target.substring(0, target.indexOf('#')));
        String name = target.substring(target.indexOf('#') + 1);
        Method method = Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no method " + target));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectMethod(type, method)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        summary.printTo(out);
        summary.printFailuresTo(out, 40);
        out.flush();
        int status = summary.getTotalFailureCount() > 0 ? 1 : summary.getTestsSucceededCount() == 0 ? 2 : 0;
        System.exit(status);
    }
}
