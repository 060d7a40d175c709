package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real process manager behind TLS and authentication: the child's {@code ASPNETCORE_ANCM_HTTPS_PORT} is the
 * site's https port (the real one, though the binding says 0) and {@code ASPNETCORE_IIS_HTTPAUTH} says what the
 * server enables; HTTP/2 requests reach the child over the HTTP/1.1 hop with the forwarded user and certificate.
 */
class OutOfProcessTlsTest {

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
    void childSeesHttpsPortHttpAuthAndForwardedIdentity() throws Exception {
        TestPki pki = new TestPki();
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of(), "hostingModel", "outofprocess"), Map.of());
        ServerConfig.Security security = new ServerConfig.Security(
                new ServerConfig.Access(false, true, false, List.of(pki.clientCa.getCertificate())),
                new ServerConfig.Authentication(false, new ServerConfig.BasicAuthentication(true, "porter", null,
                        Map.of("erin", TestPki.htpasswdLine("erin", "pw").substring(5)))));
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/", app)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(pki.clientContext(pki.client("erin"))).connectTimeout(Duration.ofSeconds(10)).build();
        String authorization = "Basic " + Base64.getEncoder().encodeToString("erin:pw".getBytes(
                StandardCharsets.UTF_8));

        assertThat(get(authorization, "/env/ASPNETCORE_ANCM_HTTPS_PORT").body())
                .isEqualTo(Integer.toString(porter.securePort()));
        assertThat(get(authorization, "/env/ASPNETCORE_IIS_HTTPAUTH").body()).isEqualTo("basic;");
        HttpResponse<String> headers = get(authorization, "/headers");
        assertThat(headers.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(headers.body()).containsIgnoringCase("MS-ASPNETCORE-USER: erin")
                .containsIgnoringCase("MS-ASPNETCORE-AUTH-TYPE: Basic")
                .containsIgnoringCase("MS-ASPNETCORE-CLIENTCERT: ")
                .containsIgnoringCase("X-Forwarded-Proto: https");
        assertThat(get(null, "/env/ASPNETCORE_IIS_HTTPAUTH").statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> get(String authorization, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + porter.securePort()
                + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
