package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How web.config's processPath + arguments read as a java command line in-process (table of cases). */
class JavaCommandLineTest {

    @TempDir
    Path dir;

    @Test
    void readsJarClassPathPropertiesAndProgramArguments() throws Exception {
        AppJars.build(dir.resolve("app.jar"), InProcessHostingTest.APP);
        JavaCommandLine jar = JavaCommandLine.parse("java", "-Xmx64m -Da=1 \"-Db=two words\" -jar app.jar x 'y z'",
                dir);
        assertThat(jar.classPath()).containsExactly(dir.resolve("app.jar"));
        assertThat(jar.mainClass()).isEqualTo(InProcessHostingTest.APP);
        assertThat(jar.systemProperties()).containsExactly(Map.entry("a", "1"), Map.entry("b", "two words"));
        assertThat(jar.programArguments()).containsExactly("x", "y z");
        assertThat(jar.ignoredOptions()).containsExactly("-Xmx64m");

        JavaCommandLine cp = JavaCommandLine.parse("JAVA",
                "-cp .\\app.jar com.example.Main --flag", dir);
        assertThat(cp.classPath()).containsExactly(dir.resolve("app.jar"));
        assertThat(cp.mainClass()).isEqualTo("com.example.Main");
        assertThat(cp.programArguments()).containsExactly("--flag");
    }

    @Test
    void namesWhatIsWrong() {
        AppJars.build(dir.resolve("app.jar"), InProcessHostingTest.APP);
        List<String[]> cases = List.of(
                new String[] {"java", "", "Application arguments are empty."},
                new String[] {"java", "-jar", "'-jar' must be followed by the application's jar file."},
                new String[] {"java", "-jar missing.jar", "Application jar was not found at '"
                        + dir.resolve("missing.jar") + "'"},
                new String[] {"java", "-cp app.jar", "names no main class"},
                new String[] {"java", "com.example.Main", "has no class path"},
                new String[] {"java", "-cp nope/* Main", "directory '" + dir.resolve("nope") + "' was not found"},
                new String[] {"dotnet", "app.dll", "Process path 'dotnet' is not a java launcher"},
                new String[] {"./bin/java", "-jar app.jar", "Executable was not found at '"
                        + dir.resolve("bin/java") + "'"});
        for (String[] c : cases) {
            assertThatThrownBy(() -> JavaCommandLine.parse(c[0], c[1], dir))
                    .as("processPath=%s arguments=%s", c[0], c[1])
                    .isInstanceOf(JavaCommandLine.InvalidCommandLineException.class)
                    .hasMessageContaining(c[2]);
        }
    }
}
