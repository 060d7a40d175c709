package dev.porter.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A sample app started as the module starts it out-of-process: its own JVM, ASPNETCORE_PORT/APPL_PATH/TOKEN in the
 * environment, output to a file (drained by the OS, so the child never blocks on a full pipe). {@link #close()} stops
 * it by its pid and waits.
 */
public final class ChildApp implements AutoCloseable {
    public final Process process;
    public final int port;
    public final String token;
    public final Path output;

    private ChildApp(Process process, int port, String token, Path output) {
        this.process = process;
        this.port = port;
        this.token = token;
        this.output = output;
    }

    /** Runs {@code mainClass} with this test JVM's class path (surefire puts the real one in java.class.path). */
    public static ChildApp startClass(String mainClass, String applPath) throws Exception {
        return start(applPath, "-cp", System.getProperty("java.class.path"), mainClass);
    }

    /**
     * As {@link #startClass(String, String)}, paired with {@code token} (for a test that must know it in advance,
     * to send it altered) and with {@code jvmOptions} before the class path. The class path is this test JVM's whole
     * one, so whatever the app's libraries come to depend on is there.
     */
    public static ChildApp startClass(String mainClass, String applPath, String token, List<String> jvmOptions)
            throws Exception {
        List<String> arguments = new ArrayList<>(jvmOptions);
        arguments.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        return launch(applPath, token, arguments);
    }

    /**
     * Runs {@code java <javaArguments>} (the JVM running the tests) with the module's environment and waits until it
     * accepts connections. A port picked free can be taken before the child binds it; then the start is retried.
     */
    public static ChildApp start(String applPath, String... javaArguments) throws Exception {
        return launch(applPath, null, Arrays.asList(javaArguments));
    }

    /** As {@link #start(String, String...)}; a null {@code fixedToken} means a fresh random token. */
    private static ChildApp launch(String applPath, String fixedToken, List<String> javaArguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaArguments);
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            String token = fixedToken != null ? fixedToken : UUID.randomUUID().toString();
            Path output = Files.createTempFile("porter-sample", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.put("ASPNETCORE_PORT", Integer.toString(port));
            env.put("ASPNETCORE_APPL_PATH", applPath);
            env.put("ASPNETCORE_TOKEN", token);
            ChildApp child = new ChildApp(builder.start(), port, token, output);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> !child.process.isAlive() || accepts(port));
            } catch (RuntimeException e) {
                child.close();
                throw e;
            }
            if (child.process.isAlive()) {
                return child;
            }
            String log = child.log();
            child.close();
            if (attempt == 3) {
                throw new IllegalStateException("the sample did not start: " + log);
            }
        }
    }

    public String log() throws IOException {
        return new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM through the handle (not Process.destroy, which closes our pipe ends), then SIGKILL if needed. */
    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.toHandle().destroyForcibly();
                    process.waitFor(20, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.toHandle().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        Files.deleteIfExists(output);
    }
}
