package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.EchoHosting;
import dev.porter.testing.HandlerHosting;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS and HTTP/2 on the front server, seen from real clients (the JDK's HttpClient, TLS sockets, curl): TLS with
 * ALPN h2 and http/1.1, SNI choosing the certificate, the exchange's view of TLS (secure, protocol, client
 * certificate), HTTP/2 multiplexing with bodies, h2c with prior knowledge, and TLS versions below 1.2 refused.
 */
public class TlsFrontTest {

    @TempDir
    Path dir;

    private final TestPki pki = new TestPki();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    /** Answers with what the exchange says about its connection. */
    public static final HandlerHosting DESCRIBE = new HandlerHosting(exchange -> {
        String text = "secure=" + exchange.isSecure() + " protocol=" + exchange.protocol() + " cert="
                + exchange.clientCertificate().map(c -> c.getSubjectX500Principal().getName()).orElse("none")
                + " user=" + exchange.user().map(u -> u.name() + "/" + u.authenticationType()).orElse("none")
                + " host="
                + exchange.request().headers().get("Host") + " extension="
                + exchange.request().headers().contains("x-http2-stream-id");
        exchange.respond(HttpResponseStatus.OK, "text/plain", text.getBytes(StandardCharsets.UTF_8));
    });

    private Porter start(ServerConfig.Site site, ServerConfig.WebLimits webLimits, ServerConfig.Security security,
            HostingModelFactory factory) throws IOException {
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(site), RequestLimits.DEFAULTS,
                webLimits, security);
        Porter porter = Porter.start(config, ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory));
        toClose.add(porter::stop);
        return porter;
    }

    private Porter startDefault(HostingModelFactory factory) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        return start(TestPki.site(List.of(new ServerConfig.Application("/", app)),
                TestPki.certificate(pki.server("localhost"))), ServerConfig.WebLimits.DEFAULTS,
                ServerConfig.Security.DEFAULTS, factory);
    }

    private HttpClient client(HttpClient.Version version, X509Bundle clientCertificate) {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(pki.clientContext(clientCertificate))
                .connectTimeout(Duration.ofSeconds(10)).build();
        toClose.add(client::close);
        return client;
    }

    @Test
    void httpsServesHttp2AndHttp11ByAlpn() throws Exception {
        Porter porter = startDefault(DESCRIBE);
        URI uri = URI.create("https://localhost:" + porter.securePort() + "/x");

        HttpResponse<String> h2 = client(HttpClient.Version.HTTP_2, null)
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(h2.statusCode()).isEqualTo(200);
        assertThat(h2.body()).isEqualTo("secure=true protocol=HTTP/2.0 cert=none user=none host=localhost:"
                + porter.securePort() + " extension=false");
        assertThat(h2.headers().firstValue("connection")).isEmpty();
        assertThat(h2.headers().firstValue("transfer-encoding")).isEmpty();

        HttpResponse<String> h1 = client(HttpClient.Version.HTTP_1_1, null)
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(h1.body()).startsWith("secure=true protocol=HTTP/1.1 cert=none");

        // The plain binding of the same site still speaks plain HTTP/1.1.
        try (RawHttp raw = new RawHttp(porter.port())) {
            raw.send("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.readResponse().bodyText()).startsWith("secure=false protocol=HTTP/1.1");
        }
    }

    @Test
    void http2MultiplexesManyStreamsWithBodiesOnOneConnection() throws Exception {
        Porter porter = startDefault(new EchoHosting());
        HttpClient client = client(HttpClient.Version.HTTP_2, null);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        // 90 at once: below the server's SETTINGS_MAX_CONCURRENT_STREAMS (100), which the JDK client honours.
        for (int i = 0; i < 90; i++) {
            String body = ("body-" + i + "-").repeat(i * 200); // up to ~160 KB: flow control windows fill up
            responses.add(client.sendAsync(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + porter.securePort() + "/echo/" + i + "?q=" + i))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < responses.size(); i++) {
            HttpResponse<String> r = responses.get(i).get();
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("POST /echo/" + i + " q=" + i + "\n/\n" + ("body-" + i + "-").repeat(i * 200));
        }
    }

    @Test
    void sniChoosesTheCertificateOfTheHostBinding() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        X509Bundle alpha = pki.server("alpha.test");
        X509Bundle beta = pki.server("beta.test");
        ServerConfig.Site site = new ServerConfig.Site("Default Web Site", 1, List.of(),
                List.of(new ServerConfig.Application("/", app)), new ServerConfig.LogFile(false, app),
                List.of(new ServerConfig.Binding("https", "127.0.0.1", 0, "alpha.test", TestPki.certificate(alpha)),
                        new ServerConfig.Binding("https", "127.0.0.1", 0, "beta.test", TestPki.certificate(beta))));
        Porter porter = start(site, ServerConfig.WebLimits.DEFAULTS, ServerConfig.Security.DEFAULTS, DESCRIBE);

        assertThat(serverCertificate(porter.securePort(), "alpha.test", "TLSv1.3")).isEqualTo("CN=alpha.test");
        assertThat(serverCertificate(porter.securePort(), "beta.test", "TLSv1.2")).isEqualTo("CN=beta.test");
        // No SNI: the first binding's certificate.
        assertThat(serverCertificate(porter.securePort(), null, "TLSv1.3")).isEqualTo("CN=alpha.test");
    }

    @Test
    void tlsBelowVersion12IsRefused() throws Exception {
        Porter porter = startDefault(DESCRIBE);
        assertThatThrownBy(() -> serverCertificate(porter.securePort(), "localhost", "TLSv1.1"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void h2cWithPriorKnowledgeWhenEnabledAndHttp11Alongside() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        Porter porter = start(new ServerConfig.Site("Default Web Site", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                List.of(new ServerConfig.Application("/", app)), new ServerConfig.LogFile(false, app)),
                new ServerConfig.WebLimits(d.connectionTimeout(), d.headerWaitTimeout(), d.maxRequestBytes(), true,
                        100), ServerConfig.Security.DEFAULTS, DESCRIBE);
        Process curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "20",
                "-w", "\n%{http_version}", "http://127.0.0.1:" + porter.port() + "/c").redirectErrorStream(true)
                .start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(out).isZero();
        assertThat(out).startsWith("secure=false protocol=HTTP/2.0").endsWith("\n2");
        try (RawHttp raw = new RawHttp(porter.port())) {
            raw.send("GET /c HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(raw.readResponse().bodyText()).startsWith("secure=false protocol=HTTP/1.1");
        }
    }

    @Test
    void withoutH2cThePrefaceIsNotHttp2() throws Exception {
        Porter porter = startDefault(DESCRIBE);
        try (RawHttp raw = new RawHttp(porter.port())) {
            raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
            assertThat(raw.readResponse().status()).isIn(400, 505);
        }
    }

    @Test
    void plainHttpOnTheTlsPortIsClosedWithoutAnAnswer() throws Exception {
        Porter porter = startDefault(DESCRIBE);
        try (RawHttp raw = new RawHttp(porter.securePort())) {
            raw.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            byte[] answer;
            try {
                answer = raw.readUntilClose();
            } catch (java.net.SocketException reset) {
                answer = new byte[0];
            }
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        }
        // and the TLS port still serves
        HttpResponse<String> r = client(HttpClient.Version.HTTP_2, null).send(HttpRequest.newBuilder(
                URI.create("https://localhost:" + porter.securePort() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void anIdleHttp2ConnectionIsClosedAfterConnectionTimeout() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        Porter porter = start(TestPki.site(List.of(new ServerConfig.Application("/", app)),
                TestPki.certificate(pki.server("localhost"))), new ServerConfig.WebLimits(Duration.ofSeconds(1),
                d.headerWaitTimeout(), d.maxRequestBytes()), ServerConfig.Security.DEFAULTS,
                new HandlerHosting(exchange -> exchange.respond(HttpResponseStatus.OK, "text/plain",
                        Integer.toString(exchange.remoteAddress().getPort()).getBytes(StandardCharsets.UTF_8))));
        HttpClient client = client(HttpClient.Version.HTTP_2, null);
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + porter.securePort() + "/"))
                .build();
        String first = client.send(request, HttpResponse.BodyHandlers.ofString()).body();
        // Asked only every 3 s (each request resets the idle clock): a new connection means the old one was closed.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(3))
                .pollInterval(Duration.ofSeconds(3))
                .until(() -> !client.send(request, HttpResponse.BodyHandlers.ofString()).body().equals(first));
    }

    static String serverCertificate(int port, String sniHost, String protocol) throws IOException {
        SSLContext trustAll = TestPki.trustAll();
        try (SSLSocket socket = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            if (sniHost != null) {
                parameters.setServerNames(List.of(new SNIHostName(sniHost)));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                    .getName();
        } catch (SSLHandshakeException e) {
            throw e;
        }
    }
}
