package dev.porter.farm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.ChildJvm;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code porter serve} as a farm node, as a service manager or a rolling restart drives it: SIGTERM turns /health to
 * 503 at once while the site keeps serving for the drain time, then the process stops and exits 0; a bad
 * {@code --drain-time} is a usage error.
 */
class DrainCliTest {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("Admin endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private final List<ChildJvm> started = new ArrayList<>();
    private final Backends backends = new Backends();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A running {@code porter} child; its output (stdout and stderr together) in console-N.txt. */
    private ChildJvm porter(String... args) throws IOException {
        ChildJvm p = ChildJvm.start(dir.resolve("console-" + started.size() + ".txt"),
                List.of("--enable-native-access=ALL-UNNAMED", "--add-exports",
                        "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED"), "dev.porter.cli.PorterCommand", List.of(args));
        started.add(p);
        return p;
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (ChildJvm p : started) {
            p.close();
        }
        backends.killLeftovers();
    }

    private int status(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void sigtermDrainsWithHealthAt503WhileTheSiteServes() throws Exception {
        TestApps.writeWebConfig(dir.resolve("app"), Backends.attributes(List.of()), Map.of());
        Path xml = TestApps.write(dir.resolve("porter.xml"), """
                <configuration>
                  <system.applicationHost>
                    <administration bindingInformation="127.0.0.1:0:" />
                    <node drainTime="00:00:30" />
                    <sites>
                      <site name="node" id="1">
                        <bindings><binding protocol="http" bindingInformation="127.0.0.1:0:" /></bindings>
                        <application path="/" physicalPath="app" />
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        // porter.xml says 30 s; the command line's 4 s wins.
        ChildJvm p = porter("serve", xml.toString(), "--drain-time", "4");
        Path console = dir.resolve("console-0.txt");
        int admin = p.awaitNumber(ADMIN);
        int site = p.awaitNumber(LISTENING);
        assertThat(status(site, "/pid")).isEqualTo(200);
        assertThat(status(admin, "/health")).isEqualTo(200);

        long signalled = System.nanoTime();
        p.process().toHandle().destroy(); // SIGTERM
        await().atMost(Duration.ofSeconds(10)).until(() -> status(admin, "/health") == 503);
        if (System.nanoTime() - signalled < TimeUnit.SECONDS.toNanos(3)) {
            // Within the drain time the site still answers: the balancer has not taken the node out yet.
            assertThat(status(site, "/pid")).isEqualTo(200);
        }
        assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).as("stopped after the drain").isTrue();
        assertThat(p.process().exitValue()).isZero();
        assertThat(System.nanoTime() - signalled).as("it drained for --drain-time, not porter.xml's 30 s")
                .isLessThan(TimeUnit.SECONDS.toNanos(25));
        assertThat(Files.readString(console)).contains("Draining: /health answers 503; serving for 4000 ms more")
                .contains("Stopped");
    }

    @Test
    void aDrainTimeOutOfRangeIsAUsageError() throws Exception {
        TestApps.writeWebConfig(dir.resolve("app"), Backends.attributes(List.of()), Map.of());
        Path xml = TestApps.write(dir.resolve("porter.xml"), """
                <configuration><system.applicationHost><sites><site name="n" id="1">
                  <bindings><binding protocol="http" bindingInformation="127.0.0.1:0:" /></bindings>
                  <application path="/" physicalPath="app" /></site></sites></system.applicationHost></configuration>
                """);
        ChildJvm p = porter("serve", xml.toString(), "--drain-time", "99999");
        assertThat(p.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("console-0.txt"))).contains("--drain-time 99999 is out of range")
                .contains("0-3600");
    }
}
