package dev.porter.hosting.outofprocess;

import dev.porter.testapps.TestBackend;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Test support for out-of-process tests: web.config attributes that run {@link TestBackend} with the test JVM's java,
 * plain HTTP to a port, and cleanup of every process a test started (by pid: the test JVM's own descendants).
 */
public final class Backends {

    private final Set<Long> preexisting = ConcurrentHashMap.newKeySet();
    private final Set<Long> tracked = ConcurrentHashMap.newKeySet();

    public Backends() {
        ProcessHandle.current().descendants().forEach(p -> preexisting.add(p.pid()));
    }

    /** Where the TestBackend classes are (a directory or jar of porter-testapps). */
    public static String classpath() {
        try {
            return Path.of(TestBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code processPath}/{@code arguments} (and any extra attributes, in pairs) for a TestBackend with options. */
    public static Map<String, String> attributes(List<String> options, String... more) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", TestApps.javaExecutable());
        attributes.put("arguments", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp " + classpath() + " "
                + TestBackend.class.getName() + (options.isEmpty() ? "" : " " + String.join(" ", options)));
        for (int i = 0; i + 1 < more.length; i += 2) {
            attributes.put(more[i], more[i + 1]);
        }
        return attributes;
    }

    public static RawHttp.Response get(int port, String path) {
        try (RawHttp http = new RawHttp("127.0.0.1", port, 30_000)) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test JVM's descendants that were not there when this object was made. */
    public List<ProcessHandle> started() {
        long watchdog = ProcessWatchdog.pid(); // the server-wide watchdog is not a test's leftover
        return ProcessHandle.current().descendants()
                .filter(p -> !preexisting.contains(p.pid()) && p.pid() != watchdog).toList();
    }

    /**
     * Remembers a pid that may stop being our descendant (a grandchild orphaned when its parent dies), so that
     * {@link #killLeftovers} finds it even then. Returns the pid.
     */
    public long track(long pid) {
        tracked.add(pid);
        return pid;
    }

    /** Kills whatever this test started and is still alive, and says which they were (empty when all is well). */
    public String killLeftovers() {
        List<ProcessHandle> left = java.util.stream.Stream.concat(started().stream(),
                        tracked.stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream))
                .filter(ProcessHandle::isAlive).filter(p -> !isZombie(p.pid())).distinct().toList();
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : left) {
            p.onExit().orTimeout(Duration.ofSeconds(5).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .exceptionally(e -> null).join();
        }
        return left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.joining("; "));
    }

    /**
     * Whether a process has exited and only waits for its parent to collect its status (state Z in /proc). The JDK's
     * {@code isAlive} counts such a process as alive; it holds nothing but its pid, so it is not "left running". A
     * busy machine can leave a backend killed a moment ago in that state for a while before the JDK's reaper thread
     * collects it.
     */
    static boolean isZombie(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // gone already, or no /proc: isAlive decides
        }
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
