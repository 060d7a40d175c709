package dev.porter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/porter, the launcher: on a machine without a JDK 25 it says so clearly instead of failing obscurely. */
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
}
