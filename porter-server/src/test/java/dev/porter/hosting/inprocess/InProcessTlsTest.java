package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-process hosting behind TLS, HTTP/2 and Basic authentication: the app gets an {@code HttpsExchange} whose
 * {@code getSSLSession()} carries the client certificate, {@code HTTP/2.0} as the protocol of an HTTP/2 request, the
 * authenticated user as its principal, and {@code ASPNETCORE_IIS_HTTPAUTH} as configured.
 */
class InProcessTlsTest {

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
    }

    @Test
    void appSeesHttpsExchangeClientCertificateProtocolAndUser() throws Exception {
        TestPki pki = new TestPki();
        Path appDir = dir.resolve("app");
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess"), Map.of());
        ServerConfig.Security security = new ServerConfig.Security(
                new ServerConfig.Access(false, true, false, List.of(pki.clientCa.getCertificate())),
                new ServerConfig.Authentication(true, new ServerConfig.BasicAuthentication(true, "", null,
                        Map.of("dana", TestPki.htpasswdLine("dana", "pw").substring(5)))));
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/", appDir)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(pki.clientContext(pki.client("dana"))).connectTimeout(Duration.ofSeconds(10)).build();

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/tls")).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString("dana:pw".getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).matches("https=true session=TLSv1\\.[23] protocol=HTTP/2\\.0 cert=CN=dana "
                + "user=dana/Basic httpauth=basic;anonymous;");

        try (RawHttp raw = new RawHttp(porter.port())) {
            assertThat(raw.exchange("GET /tls HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText())
                    .isEqualTo("https=false session=none protocol=HTTP/1.1 cert=none user=none "
                            + "httpauth=basic;anonymous;");
        }
    }
}
