package dev.porter.httpcontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's one dependency rule (docs/architecture.md): nothing but the JDK, since it travels inside every
 * out-of-process app that uses porter-integration, on Java 11. Checked on the sources (run from the module's
 * directory, as surefire does), naming the file and the import that breaks it.
 */
class JdkOnlyTest {

    @Test
    void theMainSourcesImportOnlyTheJdk() throws IOException {
        List<String> foreign;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            foreign = files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> l.startsWith("import "))
                            .filter(l -> !l.matches("import (static )?(java|javax|com\\.sun\\.net\\.httpserver)\\..*"))
                            .map(l -> f + ": " + l);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.toList());
        }
        assertThat(foreign).isEmpty();
        assertThat(Files.readString(Path.of("pom.xml"))).doesNotContain("<dependencies>");
    }
}
