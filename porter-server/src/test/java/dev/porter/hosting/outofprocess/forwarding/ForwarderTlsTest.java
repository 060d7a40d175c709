package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.Exchange;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder behind TLS, HTTP/2 and authentication (spec §1.4): the backend gets HTTP/1.1 whatever the client
 * spoke, {@code X-Forwarded-Proto} ending in {@code https}, the client certificate as {@code MS-ASPNETCORE-CLIENTCERT}
 * (Base64 DER, one line) and the authenticated user as {@code MS-ASPNETCORE-USER}/{@code MS-ASPNETCORE-AUTH-TYPE};
 * values a client forges under those names never arrive. And end to end through porter-integration in a child
 * process: the app sees {@code https}, the client's address, its certificate and the user.
 */
class ForwarderTlsTest {

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

    private Porter start(int backendPort) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused", "hostingModel", "outofprocess"), Map.of());
        Forwarder forwarder = new Forwarder(new BackendTarget(new InetSocketAddress("127.0.0.1", backendPort),
                ForwardingFixture.TOKEN), new ForwardingOptions(Duration.ofSeconds(30), false, true));
        toClose.add(forwarder::close);
        HostingModelFactory factory = context -> new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                forwarder.forward(exchange);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
        Map<String, String> users = Map.of("alice", TestPki.htpasswdLine("alice", "secret").substring(6));
        ServerConfig.Security security = new ServerConfig.Security(
                new ServerConfig.Access(false, true, false, List.of(pki.clientCa.getCertificate())),
                new ServerConfig.Authentication(true, new ServerConfig.BasicAuthentication(true, "", null, users)));
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"),
                List.of(TestPki.site(List.of(new ServerConfig.Application("/", app)),
                        TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security);
        Porter porter = Porter.start(config, ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory));
        toClose.add(porter::stop);
        return porter;
    }

    private HttpClient client(X509Bundle clientCertificate) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(pki.clientContext(clientCertificate)).connectTimeout(Duration.ofSeconds(10)).build();
        toClose.add(client::close);
        return client;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void backendGetsHttpsSchemeCertificateAndUserAndNeverForgedOnes() throws Exception {
        RecordingBackend backend = new RecordingBackend().recordAndAnswer("ok");
        toClose.add(backend);
        Porter porter = start(backend.port());
        X509Bundle alice = pki.client("alice");

        HttpResponse<String> r = client(alice).send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/who?x=1"))
                .header("Authorization", basic("alice", "secret"))
                .header("MS-ASPNETCORE-USER", "administrator")
                .header("ms-aspnetcore-clientcert", "Zm9yZ2Vk")
                .header("X-Forwarded-Proto", "http")
                .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        RecordingBackend.Seen seen = backend.seen.getFirst();
        assertThat(seen.rawUri()).isEqualTo("/who?x=1");
        assertThat(new String(seen.body(), StandardCharsets.UTF_8)).isEqualTo("payload");
        assertThat(seen.headers("X-Forwarded-Proto")).containsExactly("http, https");
        assertThat(seen.headers("MS-ASPNETCORE-CLIENTCERT")).containsExactly(
                Base64.getEncoder().encodeToString(alice.getCertificate().getEncoded()));
        assertThat(seen.headers("MS-ASPNETCORE-USER")).containsExactly("alice");
        assertThat(seen.headers("MS-ASPNETCORE-AUTH-TYPE")).containsExactly("Basic");
        assertThat(seen.headers("Authorization")).containsExactly(basic("alice", "secret"));
        assertThat(seen.headers().keySet()).noneMatch(name -> name.toLowerCase().startsWith("x-http2"));

        // Anonymous, no certificate, forged headers: nothing of them arrives.
        client(null).send(HttpRequest.newBuilder(URI.create("https://localhost:" + porter.securePort() + "/anon"))
                .header("MS-ASPNETCORE-USER", "administrator").header("MS-ASPNETCORE-AUTH-TYPE", "Negotiate")
                .header("MS-ASPNETCORE-CLIENTCERT", "Zm9yZ2Vk").build(), HttpResponse.BodyHandlers.ofString());
        RecordingBackend.Seen anonymous = backend.seen.get(1);
        assertThat(anonymous.headers("MS-ASPNETCORE-USER")).isEmpty();
        assertThat(anonymous.headers("MS-ASPNETCORE-AUTH-TYPE")).isEmpty();
        assertThat(anonymous.headers("MS-ASPNETCORE-CLIENTCERT")).isEmpty();
        assertThat(anonymous.headers("X-Forwarded-Proto")).containsExactly("https");
    }

    @Test
    void integrationLibraryInAChildProcessSeesHttpsTheClientItsCertificateAndTheUser() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // The test class path holds Porter's in-process HttpServerProvider (a service): a separate app JVM wants the
        // JDK's own server, as it would have on its own class path.
        ProcessBuilder builder = new ProcessBuilder(TestApps.javaExecutable(),
                "-Dcom.sun.net.httpserver.HttpServerProvider=sun.net.httpserver.DefaultHttpServerProvider", "-cp",
                System.getProperty("java.class.path"), IntegratedDescribeApp.class.getName())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        builder.environment().put("ASPNETCORE_PORT", Integer.toString(port));
        builder.environment().put("ASPNETCORE_TOKEN", ForwardingFixture.TOKEN);
        builder.environment().put("ASPNETCORE_APPL_PATH", "/");
        Process child = builder.start();
        toClose.add(() -> {
            child.toHandle().destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.toHandle().destroyForcibly();
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return true;
                } catch (IOException e) {
                    return !child.isAlive();
                }
            });
        } finally {
            assertThat(child.isAlive()).as("the app's output:\n%s", java.nio.file.Files.readString(
                    dir.resolve("child.log"))).isTrue();
        }
        Porter porter = start(port);

        HttpClient client = client(pki.client("bob"));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/e2e")).header("Authorization", basic("alice", "secret"))
                .header("MS-ASPNETCORE-USER", "administrator").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).matches("scheme=https client=127\\.0\\.0\\.1:\\d+ cert=CN=bob user=alice/Basic");
        // The port the app reports is the client's, not the forwarder's backend connection.
        int appSaw = Integer.parseInt(r.body().replaceAll(".*client=127\\.0\\.0\\.1:(\\d+) .*", "$1"));
        assertThat(appSaw).isNotEqualTo(port);

        HttpResponse<String> anonymous = client(null).send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + porter.securePort() + "/e2e")).header("MS-ASPNETCORE-USER", "administrator").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.body()).matches("scheme=https client=127\\.0\\.0\\.1:\\d+ cert=none user=none");
    }
}
