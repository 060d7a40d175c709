package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 5's samples: the packaged Jersey (JAX-RS) jar hosted by the real Porter in-process and out-of-process — the
 * same jar, no change —, samples/hello in-process, and the demo server configuration samples/porter.xml with both
 * models side by side. Each app is also mounted under {@code /app1}, where it must answer as at {@code /}.
 */
class JerseyAndInProcessSamplesTest {
    /** A cold first request starts a JVM (out-of-process) or loads Jersey: generous on a loaded machine. */
    private static final int FIRST_REQUEST_TIMEOUT_MILLIS = 60_000;

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
        // No sample process outlives Porter (its own process watchdog, a descendant for the JVM's lifetime, is none).
        await().atMost(Duration.ofSeconds(20)).until(() -> samplesRunningAsChildren().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"inprocess", "outofprocess"})
    void theSameJerseyJarAnswersInBothHostingModels(String hostingModel) throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", appDir("root", "jersey", hostingModel));
        apps.put("/app1", appDir("sub", "jersey", hostingModel));
        porter = Porter.start(TestApps.server(apps));
        String model = hostingModel.equals("inprocess") ? "in-process" : "out-of-process";

        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), FIRST_REQUEST_TIMEOUT_MILLIS)) {
            String client = "127.0.0.1:" + http.socket().getLocalPort();
            long start = System.nanoTime();
            RawHttp.Response hello = http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
            long firstMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.bodyText()).isEqualTo("hello");
            assertThat(hello.header("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
            System.out.printf("Jersey sample %s: cold first request %d ms%n", model, firstMillis);

            // The app knows how it is hosted, and sees the real client (out-of-process through X-Forwarded-For).
            String info = http.exchange("GET /info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText();
            assertThat(info).contains("model: " + model, "client: " + client, "scheme: http",
                    "jersey request URI: http://localhost/info");

            start = System.nanoTime();
            RawHttp.Response based = http.exchange("GET /app1/hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
            long subMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(based.status()).isEqualTo(200);
            assertThat(based.bodyText()).isEqualTo("hello");
            System.out.printf("Jersey sample %s: first request of the second application (/app1) %d ms%n",
                    model, subMillis);

            // Under /app1 Jersey matches resources on the path below the base, as at /.
            String basedInfo = http.exchange("GET /app1/info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText();
            assertThat(basedInfo).contains("model: " + model, "jersey path: info", "client: " + client,
                    "path base: /app1");
            assertThat(http.exchange("GET /app1/nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n").status())
                    .isEqualTo(404);

            // Not a benchmark (bench/run is): a rough figure of the loopback hop, JIT still cold.
            long warmStart = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                assertThat(http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(200);
            }
            System.out.printf("Jersey sample %s: the next 200 sequential requests, %d us each%n", model,
                    (System.nanoTime() - warmStart) / 1_000 / 200);
        }
        // In-process means no child at all; out-of-process one per application.
        assertThat(samplesRunningAsChildren()).hasSize(model.equals("in-process") ? 0 : 2);
    }

    @Test
    void helloRunsInProcess() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", appDir("root", "hello", "inprocess"));
        apps.put("/app1", appDir("sub", "hello", "inprocess"));
        porter = Porter.start(TestApps.server(apps));

        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), FIRST_REQUEST_TIMEOUT_MILLIS)) {
            long start = System.nanoTime();
            RawHttp.Response hello = http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
            System.out.printf("hello sample in-process: cold first request %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.bodyText()).isEqualTo("hello");

            String info = http.exchange("GET /app1/info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText();
            assertThat(info).contains("path: /info", "path base: /app1",
                    "client: 127.0.0.1:" + http.socket().getLocalPort());
        }
        assertThat(samplesRunningAsChildren()).as("in-process: no child process").isEmpty();
    }

    @Test
    void theDemoServerConfigServesBothModelsSideBySide() throws Exception {
        Path samples = samples();
        // The demo file as it is, but on a port the OS picks: the test never needs 8080. Its paths are relative, so
        // the copy sits beside copies of the app directories whose target/ link to the packaged samples.
        String demo = Files.readString(samples.resolve("porter.xml"));
        assertThat(demo).contains("bindingInformation=\"127.0.0.1:8080:\"");
        Files.writeString(dir.resolve("porter.xml"), demo.replace("127.0.0.1:8080:", "127.0.0.1:0:"));
        for (String app : List.of("hello", "hello-inprocess", "jersey", "jersey-oop", "war", "spring-boot")) {
            Path copy = Files.createDirectories(dir.resolve(app));
            Files.copy(samples.resolve(app).resolve("web.config"), copy.resolve("web.config"));
            if (Files.isDirectory(samples.resolve(app).resolve("target"))) {
                Files.createSymbolicLink(copy.resolve("target"), samples.resolve(app).resolve("target"));
            }
        }
        ServerConfig config = new ServerConfigParser().parse(dir.resolve("porter.xml"));
        assertThat(config.sites()).singleElement().satisfies(site -> assertThat(site.applications())
                .extracting(ServerConfig.Application::path)
                .containsExactly("/", "/inprocess", "/jersey", "/jersey-oop", "/war", "/spring-boot"));
        porter = Porter.start(config);

        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), FIRST_REQUEST_TIMEOUT_MILLIS)) {
            for (String base : List.of("", "/inprocess", "/jersey", "/jersey-oop")) {
                RawHttp.Response hello = http.exchange("GET " + base + "/hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
                assertThat(hello.status()).as(base + "/hello").isEqualTo(200);
                assertThat(hello.bodyText()).as(base + "/hello").isEqualTo("hello");
            }
            assertThat(http.exchange("GET /info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .contains("Hello from Porter sample", "path: /info");
            assertThat(http.exchange("GET /inprocess/info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .contains("Hello from Porter sample", "path: /info");
            assertThat(http.exchange("GET /jersey/info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .contains("model: in-process", "jersey path: info");
            assertThat(http.exchange("GET /jersey-oop/info HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .contains("model: out-of-process", "path base: /jersey-oop", "jersey path: info");
            // The Servlet apps, in Porter's Servlet host
            assertThat(http.exchange("GET /war/hello HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .isEqualTo("hello from a WAR");
            assertThat(http.exchange("GET /spring-boot/hello HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .isEqualTo("hello from Spring Boot");
        }
        // Two of the six run as children (/ and /jersey-oop), four inside Porter.
        assertThat(samplesRunningAsChildren()).hasSize(2);
    }

    /** An app directory whose web.config runs the packaged sample jar with this hosting model. */
    private Path appDir(String name, String sample, String hostingModel) throws IOException {
        Path jar = samples().resolve(sample).resolve("target").resolve(sample + ".jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Path app = Files.createDirectories(dir.resolve(name));
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar " + jar,
                "hostingModel", hostingModel), Map.of());
        return app;
    }

    private static Path samples() {
        return Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize();
    }

    /** This JVM's live descendants that run a sample jar. */
    private static List<ProcessHandle> samplesRunningAsChildren() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> {
                    String command = p.info().commandLine().orElse("");
                    return command.contains("hello.jar") || command.contains("jersey.jar");
                })
                .toList();
    }
}
