package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged hello sample behind Porter over HTTPS and HTTP/2 with Basic authentication, out-of-process: the app
 * (through porter-integration) sees scheme {@code https}, the real client address and the authenticated user, though
 * its own hop is plain HTTP/1.1 on loopback.
 */
class HelloOverTlsTest {

    @TempDir
    Path dir;

    private Porter porter;
    private HttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (porter != null) {
            porter.stop();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .noneMatch(p -> p.info().commandLine().orElse("").contains("/samples/")));
    }

    @Test
    void helloSeesHttpsTheClientAndTheUser() throws Exception {
        Path samples = Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize();
        Path jar = samples.resolve("hello").resolve("target").resolve("hello.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Path app = Files.createDirectories(dir.resolve("hello"));
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar " + jar,
                "hostingModel", "outofprocess"), Map.of());
        TestPki pki = new TestPki();
        ServerConfig.Security security = new ServerConfig.Security(ServerConfig.Access.NONE,
                new ServerConfig.Authentication(false, new ServerConfig.BasicAuthentication(true, "hello", null,
                        Map.of("alice", TestPki.htpasswdLine("alice", "secret").substring(6)))));
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/", app)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(pki.clientContext(null))
                .connectTimeout(Duration.ofSeconds(10)).build();

        HttpResponse<String> info = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/info")).header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(info.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
        assertThat(info.body()).contains("scheme: https").containsPattern("client: 127\\.0\\.0\\.1:\\d+")
                .contains("user: alice");

        HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/info")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains(
                "Basic realm=\"hello\", charset=\"UTF-8\"");
    }
}
