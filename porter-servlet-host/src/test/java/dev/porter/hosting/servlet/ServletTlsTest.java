package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.HostedApp;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WAR in-process behind TLS, HTTP/2 and Basic authentication at the front: the servlet sees {@code https}, the
 * protocol the client spoke, the front server's user as {@code getUserPrincipal()}/{@code getRemoteUser()} and the
 * client certificate as {@code jakarta.servlet.request.X509Certificate}.
 */
class ServletTlsTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();
    private HttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void servletSeesSchemeProtocolUserAndClientCertificate() throws Exception {
        TestPki pki = new TestPki();
        Path appDir = dir.resolve("app");
        Files.createDirectories(appDir);
        Files.copy(WarInProcessTest.SAMPLE_WAR, appDir.resolve("app.war"));
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war app.war",
                "hostingModel", "inprocess"), Map.of());
        ServerConfig.Security security = new ServerConfig.Security(
                new ServerConfig.Access(false, true, false, List.of(pki.clientCa.getCertificate())),
                new ServerConfig.Authentication(true, new ServerConfig.BasicAuthentication(true, "", null,
                        Map.of("dana", TestPki.htpasswdLine("dana", "pw").substring(5)))));
        hosted.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/", appDir)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security));

        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
            client = HttpClient.newBuilder().version(version).sslContext(pki.clientContext(pki.client("dana")))
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + hosted.porter().securePort() + "/info/tls")).header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString("dana:pw".getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("scheme=https\n", "secure=true\n", "user=dana\n", "principal=dana\n",
                    "authType=Basic\n", "certificate=CN=dana\n", "protocol="
                            + (version == HttpClient.Version.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1") + "\n");
            client.close();
            client = null;
        }
    }
}
