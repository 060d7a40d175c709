package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependencies docs/architecture.md says must never exist, checked on the sources (run from the module's
 * directory, as surefire does): a broken rule names the file and the line. Plain source reading rather than a
 * bytecode tool: the rules are about imports and names, which the sources state.
 */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java");

    /** Every {@code file: line} of the main sources under {@code dir} whose line matches {@code pattern}. */
    private static List<String> lines(String dir, String pattern) {
        Pattern p = Pattern.compile(pattern);
        try (Stream<Path> files = Files.walk(MAIN.resolve(dir))) {
            return files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> p.matcher(l).find())
                            .map(l -> MAIN.relativize(f) + ": " + l.strip());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theFrontServerKnowsApplicationsOnlyAsRequestHandlers() {
        assertThat(lines("dev/porter/server", "^import (static )?dev\\.porter\\.(hosting|cli)\\b")).isEmpty();
    }

    @Test
    void theExchangeTalksToItsConnectionOnlyThroughExchangeChannel() {
        assertThat(lines("dev/porter/server", "ExchangeDispatcher"))
                .noneMatch(l -> l.startsWith("dev/porter/server/Exchange.java:"));
        assertThat(lines("dev/porter/server", "ExchangeChannel connection;"))
                .containsExactly("dev/porter/server/Exchange.java: private final ExchangeChannel connection;");
    }

    @Test
    void mainCodeNeverUsesTheTestHelpers() {
        assertThat(lines("dev/porter", "^import (static )?dev\\.porter\\.(testing|testapps)\\b")).isEmpty();
    }
}
