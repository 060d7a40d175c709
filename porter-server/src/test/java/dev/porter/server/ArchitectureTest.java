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

    /** The file names of the main sources directly in {@code dir} (not its sub-packages). */
    private static List<String> filesIn(String dir) {
        try (Stream<Path> files = Files.list(MAIN.resolve(dir))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theFrontServerKnowsApplicationsOnlyAsRequestHandlers() {
        assertThat(lines("dev/porter/server", "^import (static )?dev\\.porter\\.(hosting|cli|admin)\\b")).isEmpty();
        assertThat(lines("dev/porter/server", "^import (static )?dev\\.porter\\.Porter\\b")).isEmpty();
    }

    @Test
    void theExchangeTalksToItsConnectionOnlyThroughExchangeChannel() {
        assertThat(lines("dev/porter/server", "ExchangeDispatcher|^import (static )?dev\\.porter\\.server\\.http[12]\\b"))
                .noneMatch(l -> l.startsWith("dev/porter/server/Exchange.java:"));
        assertThat(lines("dev/porter/server", "ExchangeChannel connection;"))
                .containsExactly("dev/porter/server/Exchange.java: private final ExchangeChannel connection;");
    }

    /**
     * {@code dev.porter.server} is the front's public contract (the exchange, the handler, the access log, the
     * server to embed); the rest lives in sub-packages by role. The one package-private class left is the assembly
     * of a connection's pipeline, {@code FrontPipeline}, which {@code PorterServer} uses and nobody else may.
     */
    @Test
    void theFrontServerPackageHoldsItsPublicContractOnly() {
        List<String> packagePrivate = filesIn("dev/porter/server").stream().filter(f -> lines("dev/porter/server",
                "^(final |abstract |sealed )*(class|interface|record|enum) ").stream()
                .anyMatch(l -> l.startsWith("dev/porter/server/" + f + ":"))).toList();
        assertThat(packagePrivate).containsExactly("FrontPipeline.java");
        assertThat(filesIn("dev/porter/server")).contains("Exchange.java", "RequestHandler.java", "AccessLog.java",
                "RequestTarget.java").doesNotContain("ExchangeDispatcher.java", "Admission.java", "TlsContexts.java",
                "W3cAccessLog.java", "StrictServerCodec.java");
    }

    /**
     * The connection's side of an exchange ({@code ExchangeChannel}, {@code Exchange.ConnectionSide},
     * {@code Exchange.open}) is public only because the connections live in the front's sub-packages: nothing outside
     * the front server names it, so no application can feed an exchange content or declare its client gone.
     */
    @Test
    void onlyTheFrontServerHoldsTheConnectionSideOfAnExchange() {
        assertThat(lines("dev/porter", "\\bExchangeChannel\\b|\\bConnectionSide\\b|\\bExchange\\.open\\("))
                .allMatch(l -> l.startsWith("dev/porter/server/"));
    }

    /**
     * Hosting sees the front through its contract (and the client's identity, {@code server.peer}; the front's error
     * page headers, {@code server.errors}): never its connections, admission, TLS or logs. ANCM's own pages and texts
     * are hosting's ({@code hosting.ancm}).
     */
    @Test
    void hostingNeverReachesIntoTheFrontsMachinery() {
        assertThat(lines("dev/porter/hosting",
                "^import (static )?dev\\.porter\\.server\\.(http1|http2|tls|admission|log)\\b")).isEmpty();
        assertThat(lines("dev/porter/hosting", "dev\\.porter\\.server\\.errors\\.(Html|AncmErrorPage)\\b")).isEmpty();
    }

    /**
     * The front's sub-packages layer: admission, TLS, logs, error pages and the client's identity know nothing of the
     * connections that use them; HTTP/2 streams build on HTTP/1's exchange dispatcher, never the reverse.
     */
    @Test
    void theFrontsSubPackagesLayer() {
        for (String lower : List.of("admission", "tls", "log", "errors", "peer")) {
            assertThat(lines("dev/porter/server/" + lower,
                    "^import (static )?dev\\.porter\\.server\\.(http1|http2)\\b")).as(lower).isEmpty();
        }
        assertThat(lines("dev/porter/server/http1", "^import (static )?dev\\.porter\\.server\\.http2\\b")).isEmpty();
    }

    /**
     * No test seams in production code: a clock comes through the context ({@code ServerEnvironment.clock()}), never
     * from a process-wide static a test swaps; nothing is marked as existing for tests.
     */
    @Test
    void mainCodeHasNoProcessWideClockAndNoTestSeams() {
        assertThat(lines("dev/porter", "static (volatile )?(java\\.util\\.function\\.)?(LongSupplier|Clock|InstantSource)\\b"))
                .isEmpty();
        assertThat(lines("dev/porter", "VisibleForTesting|[Ff]orTesting\\b|useRapidFailClock")).isEmpty();
    }

    /**
     * The access log dates its lines by the wall clock the context carries ({@code ServerEnvironment.wallClock()}),
     * never by the process's own, so a test or an embedder can cross midnight without waiting for it.
     */
    @Test
    void theAccessLogReadsTheContextsWallClock() {
        assertThat(lines("dev/porter/server/log", "System\\.currentTimeMillis|Instant\\.now\\(|Clock\\.system"))
                .isEmpty();
    }

    /**
     * No {@code null} meaning "none" in the front's public contract: what may be absent (TLS, the client
     * certificate, the authenticated user, an application's own request limits) is an {@code Optional}.
     */
    @Test
    void theFrontsContractSaysNoneWithOptionalNotNull() {
        for (String contract : List.of("Exchange.java", "ClientTls.java", "RequestHandler.java", "AccessLog.java",
                "AuthenticatedUser.java", "ExchangeChannel.java")) {
            assertThat(lines("dev/porter/server", "return null;|\\? null :|: null;|\\bor null\\b|null (for|when|on) ")
                    .stream().filter(l -> l.startsWith("dev/porter/server/" + contract + ":"))).as(contract).isEmpty();
        }
    }

    /**
     * One ANCM rule set for both hosting models ({@code hosting.ancm}): it knows neither model, and the environment
     * block's rules are written nowhere else.
     */
    @Test
    void theAncmRulesAreSharedByBothHostingModels() {
        assertThat(lines("dev/porter/hosting/ancm",
                "^import (static )?dev\\.porter\\.hosting\\.(inprocess|outofprocess|servlet)\\b")).isEmpty();
        assertThat(lines("dev/porter", "ANCM_PREFER_ENVIRONMENT_VARIABLES|\"ASPNETCORE_IIS_(HTTPAUTH|PHYSICAL_PATH)\""))
                .isNotEmpty().allMatch(l -> l.startsWith("dev/porter/hosting/ancm/"));
    }

    @Test
    void mainCodeNeverUsesTheTestHelpers() {
        assertThat(lines("dev/porter", "^import (static )?dev\\.porter\\.(testing|testapps)\\b")).isEmpty();
    }
}
