package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged samples (a JDK HttpServer app and an embedded-Jetty servlet app, both with porter-integration) hosted
 * out-of-process by the real Porter, as a user deploys them: through Porter they answer and see the real client and
 * path base; reached directly, without the pairing token, they refuse with 400.
 */
class SamplesBehindPorterTest {

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
        // Porter's stop takes its children along: no sample process may outlive it. (Porter's own process
        // watchdog, a descendant for the JVM's lifetime, is not a sample.)
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .noneMatch(p -> p.info().commandLine().orElse("").contains("/samples/")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "servlet"})
    void answersThroughPorterAndRefusesDirectRequestsWithoutTheToken(String sample) throws Exception {
        int backendPort = freePortInAncmRange();
        Path app = appDir(sample, "root", backendPort);
        Path sub = appDir(sample, "sub", freePortInAncmRange());
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", app);
        apps.put("/app1", sub);
        porter = Porter.start(TestApps.server(apps));

        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response hello = http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.bodyText()).isEqualTo("hello");

            // The app sees the real client (X-Forwarded-For from Porter), not Porter's loopback hop.
            RawHttp.Response info = http.exchange("GET /info HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(info.status()).isEqualTo(200);
            assertThat(info.bodyText()).contains("127.0.0.1:" + http.socket().getLocalPort())
                    .contains("scheme: http");

            // A sub-application sees its path base split off, as ASP.NET Core's UsePathBase does.
            RawHttp.Response based = http.exchange("GET /app1/info HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(based.status()).isEqualTo(200);
            assertThat(based.bodyText()).containsPattern("(path base|context path): /app1");
        }

        // Straight to the backend, around Porter: no token, no service.
        try (RawHttp direct = new RawHttp(backendPort)) {
            RawHttp.Response refused = direct.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body()).isEmpty();
        }
        try (RawHttp forged = new RawHttp(backendPort)) {
            RawHttp.Response refused = forged.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n"
                    + "MS-ASPNETCORE-TOKEN: not-the-token\r\n\r\n");
            assertThat(refused.status()).isEqualTo(400);
        }
    }

    /** An app directory whose web.config runs the packaged sample jar, on a port the test knows. */
    private Path appDir(String sample, String name, int port) throws IOException {
        Path samples = Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize();
        Path jar = samples.resolve(sample).resolve("target").resolve(sample + ".jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Path app = Files.createDirectories(dir.resolve(name));
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar " + jar,
                "hostingModel", "outofprocess"), Map.of("ASPNETCORE_PORT", Integer.toString(port)));
        return app;
    }

    /** ANCM accepts a configured ASPNETCORE_PORT only in 1025-48000, below the OS's ephemeral range here. */
    private static int freePortInAncmRange() throws IOException {
        for (int i = 0; i < 50; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            try (ServerSocket probe = new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-30000");
    }
}
