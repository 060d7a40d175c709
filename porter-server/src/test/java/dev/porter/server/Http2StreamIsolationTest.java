package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.HandlerHosting;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One HTTP/2 stream's trouble stays on that stream (RFC 9113 section 5.4.2): an exchange the handler aborts, a
 * handler that throws, a header block over the limit (431) and a refused request (413) leave the connection serving
 * the next streams; every answer comes over the same connection (the client port the app sees never changes).
 */
class Http2StreamIsolationTest {

    @TempDir
    Path dir;

    private Porter porter;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        TestPki pki = new TestPki();
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        HandlerHosting hosting = new HandlerHosting(exchange -> {
            switch (exchange.target().cookedPath()) {
                case "/abort" -> exchange.abort();
                case "/throw" -> throw new IllegalStateException("handler failure (expected by the test)");
                default -> exchange.respond(HttpResponseStatus.OK, "text/plain",
                        ("port=" + exchange.remoteAddress().getPort()).getBytes(StandardCharsets.UTF_8));
            }
        });
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/", app)), TestPki.certificate(pki.server("localhost")))),
                new RequestLimits(1000, RequestLimits.DEFAULT_MAX_URL, RequestLimits.DEFAULT_MAX_QUERY_STRING),
                ServerConfig.WebLimits.DEFAULTS, ServerConfig.Security.DEFAULTS), ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, hosting, HostingModel.IN_PROCESS, hosting));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(pki.clientContext(null))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (porter != null) {
            porter.stop();
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + porter.securePort() + path));
    }

    @Test
    void aFailingStreamNeverTakesTheConnectionDown() throws Exception {
        HttpResponse<String> first = send(to("/ok"));
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String connection = first.body();

        assertThatThrownBy(() -> send(to("/abort"))).isInstanceOf(IOException.class);
        assertThat(send(to("/ok")).body()).isEqualTo(connection);

        assertThat(send(to("/throw")).statusCode()).isEqualTo(500);
        assertThat(send(to("/ok")).body()).isEqualTo(connection);

        HttpResponse<String> tooLarge = send(to("/upload").POST(HttpRequest.BodyPublishers.ofString(
                "x".repeat(5000))));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(send(to("/ok")).body()).isEqualTo(connection);

        // A body far over the limit: the client is still sending when the 413 goes out. The response must reach it
        // (RST_STREAM with NO_ERROR after the response, RFC 9113 section 8.1), not a reset that discards it.
        HttpResponse<String> stillSending = send(to("/upload").POST(HttpRequest.BodyPublishers.ofString(
                "x".repeat(2_000_000))));
        assertThat(stillSending.statusCode()).isEqualTo(413);
        assertThat(send(to("/ok")).body()).isEqualTo(connection);

        // A header block over SETTINGS_MAX_HEADER_LIST_SIZE (webLimits maxRequestBytes, 16384): Netty's codec answers
        // 431 on that stream and then resets it (PROTOCOL_ERROR, its HeaderListSizeException path); depending on
        // which frame it processes first, the JDK client reports the 431 or the reset. Either way only that stream
        // ends: the next request goes over the same connection.
        try {
            assertThat(send(to("/big").header("X-Big", "y".repeat(17_000))).statusCode()).isEqualTo(431);
        } catch (IOException reset) {
            assertThat(reset).hasMessageContaining("RST_STREAM");
        }
        assertThat(send(to("/ok")).body()).isEqualTo(connection);
    }
}
