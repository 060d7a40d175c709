package dev.porter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/porter, the launcher: on a machine without a JDK 25 it says so clearly instead of failing obscurely; it starts
 * the JVM with the defaults of bin/jvm.options, then PORTER_JAVA_OPTS, whose collector replaces the default one.
 */
class LauncherTest {

    @TempDir
    Path dir;

    @Test
    void withoutAJdk25ItExitsOneWithAClearMessage() throws Exception {
        Path launcher = Path.of("..", "bin", "porter").toAbsolutePath().normalize();
        assertThat(launcher).isExecutable();
        // An old java on PATH, a JAVA_HOME that is not a JDK, and an empty JVM directory: nothing usable.
        Path oldJava = dir.resolve("bin/java");
        Files.createDirectories(oldJava.getParent());
        Files.writeString(oldJava, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        oldJava.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", dir.resolve("no-jdk").toString());
        pb.environment().put("PORTER_JVM_ROOT", dir.resolve("jvms").toString());
        pb.environment().put("PATH", oldJava.getParent() + ":/usr/bin:/bin"); // ours is the java PATH finds
        Process process = pb.start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            assertThat(output).contains("porter: no JDK 25 or newer found (looked at JAVA_HOME, java on PATH and "
                    + dir.resolve("jvms") + "/*).", "set JAVA_HOME");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void theJvmGetsTheDefaultOptionsThenPorterJavaOptsWhoseCollectorWins() throws Exception {
        // A copy of the launcher, its options file and their reader (bin/jvm-options) in a scratch tree, stand-ins for
        // the jars it checks (so that it builds nothing), and a "JDK 25" whose java prints the arguments it was given.
        Path bin = Path.of("..", "bin").toAbsolutePath().normalize();
        Path tree = dir.resolve("porter");
        Files.createDirectories(tree.resolve("bin"));
        for (String file : List.of("porter", "jvm-options", "jvm.options")) {
            Files.copy(bin.resolve(file), tree.resolve("bin").resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (String jar : List.of("porter-server/target/porter-server.jar", "samples/hello/target/hello.jar",
                "samples/jersey/target/jersey.jar", "porter-server/target/servlet-host/porter-servlet-host.jar",
                "samples/war/target/war.war", "samples/spring-boot/target/spring-boot.jar")) {
            Files.createDirectories(tree.resolve(jar).getParent());
            Files.createFile(tree.resolve(jar));
        }
        Path java = dir.resolve("jdk/bin/java");
        Files.createDirectories(java.getParent());
        Files.writeString(java, """
                #!/bin/sh
                case "$1" in -XshowSettings*) echo '    java.specification.version = 25' >&2; exit 0 ;; esac
                echo "java $*"
                """);
        java.toFile().setExecutable(true);
        String jar = " -jar " + tree.resolve("porter-server/target/porter-server.jar") + " --version";

        assertThat(launch(tree, "")).isEqualTo("java -XX:+UseParallelGC" + jar);
        assertThat(launch(tree, "-Xmx64m")).isEqualTo("java -XX:+UseParallelGC -Xmx64m" + jar);
        // options that are no collector, though the string from "-XX:+Use" to "GC " spans them
        assertThat(launch(tree, "-XX:+UseNUMA -XX:+DisableExplicitGC"))
                .isEqualTo("java -XX:+UseParallelGC -XX:+UseNUMA -XX:+DisableExplicitGC" + jar);
        for (String collector : List.of("-XX:+UseG1GC", "-XX:+UseZGC", "-XX:+UseSerialGC", "-XX:+UseShenandoahGC",
                "-XX:+UseParallelGC")) {
            assertThat(launch(tree, "-Xmx64m " + collector)).isEqualTo("java -Xmx64m " + collector + jar);
        }
        Files.delete(tree.resolve("bin/jvm.options"));
        assertThat(launch(tree, "")).startsWith("porter: " + tree.resolve("bin/jvm.options") + " is missing");
    }

    /** The launcher's output (its java's command line) when run from tree with that PORTER_JAVA_OPTS. */
    private String launch(Path tree, String porterJavaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", tree.resolve("bin/porter").toString(), "--version")
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
        pb.environment().put("PORTER_JAVA_OPTS", porterJavaOpts);
        Process process = pb.start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return output.strip();
        } finally {
            process.destroyForcibly();
        }
    }
}
