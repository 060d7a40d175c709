package dev.porter.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.internal.ShutdownCoordinator;
import dev.porter.testing.OneShotHttp;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The JDK-server side on real loopback sockets: createServer, the filter, the wrapping exchange. */
class PorterIntegrationIT {
    private static final String TOKEN = "0b3c4d5e-1111-4222-8333-944455556666";

    private final List<HttpServer> servers = new ArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final CountDownLatch exited = new CountDownLatch(1);
    private final ShutdownCoordinator shutdown = new ShutdownCoordinator(exited::countDown);

    @AfterEach
    void stopServers() {
        for (HttpServer server : servers) {
            server.stop(0);
        }
    }

    private static Map<String, String> env(String applPath) {
        Map<String, String> env = new HashMap<>();
        env.put("ASPNETCORE_PORT", "0");
        env.put("ASPNETCORE_APPL_PATH", applPath);
        env.put("ASPNETCORE_TOKEN", TOKEN);
        return env;
    }

    private HttpServer server(Map<String, String> env, PorterOptions options) throws IOException {
        HttpServer server = PorterIntegration.createServer(0, options, env::get, shutdown);
        servers.add(server);
        return server;
    }

    /** Answers 200 with what the integration made of the request, one {@code key=value} per line. */
    private HttpHandler reporter() {
        return exchange -> {
            handled.incrementAndGet();
            StringBuilder body = new StringBuilder();
            line(body, "uri", exchange.getRequestURI());
            line(body, "contextPath", exchange.getHttpContext().getPath());
            line(body, "pathBase", PorterIntegration.pathBase(exchange));
            line(body, "remote", exchange.getRemoteAddress().getAddress().getHostAddress() + ":"
                    + exchange.getRemoteAddress().getPort());
            line(body, "scheme", PorterIntegration.scheme(exchange));
            line(body, "originalFor", PorterIntegration.originalFor(exchange).orElse("-"));
            line(body, "originalProto", PorterIntegration.originalProto(exchange).orElse("-"));
            line(body, "xff", headerOrDash(exchange, "X-Forwarded-For"));
            line(body, "xfp", headerOrDash(exchange, "X-Forwarded-Proto"));
            line(body, "xOriginalFor", headerOrDash(exchange, "X-Original-For"));
            line(body, "xOriginalProto", headerOrDash(exchange, "X-Original-Proto"));
            line(body, "token", headerOrDash(exchange, "MS-ASPNETCORE-TOKEN"));
            line(body, "user", exchange.getPrincipal() == null ? "-"
                    : exchange.getPrincipal().getUsername() + "@" + exchange.getPrincipal().getRealm());
            line(body, "cert", PorterIntegration.clientCertificate(exchange)
                    .map(c -> c.getSubjectX500Principal().getName()).orElse("-"));
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    private static void line(StringBuilder body, String key, Object value) {
        body.append(key).append('=').append(value).append('\n');
    }

    private static String headerOrDash(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "-" : value;
    }

    private static Map<String, String> report(OneShotHttp.Response response) {
        Map<String, String> report = new HashMap<>();
        for (String line : response.body.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                report.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return report;
    }

    private static int port(HttpServer server) {
        return server.getAddress().getPort();
    }

    @Test
    void standaloneTheServerIsAPlainJdkServerAndNoTokenIsNeeded() throws IOException {
        HttpServer server = server(Collections.<String, String>emptyMap(), PorterOptions.defaults());
        assertThat(server.getClass().getName()).doesNotContain("Integrated");
        server.createContext("/", reporter());
        server.start();
        OneShotHttp.Response response = OneShotHttp.send(port(server), "GET", "/x");
        assertThat(response.status).isEqualTo(200);
        assertThat(report(response)).containsEntry("uri", "/x").containsEntry("pathBase", "")
                .containsEntry("scheme", "http");
    }

    @Test
    void behindPorterTheServerListensOnIpv4LoopbackOnly() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        assertThat(server.getAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void aRequestWithoutTheTokenGets400WithAnEmptyBodyAndNeverReachesTheApp() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        try (LogCapture log = new LogCapture()) {
            OneShotHttp.Response missing = OneShotHttp.send(port(server), "GET", "/");
            OneShotHttp.Response wrong = OneShotHttp.send(port(server), "GET", "/", "MS-ASPNETCORE-TOKEN: nope");
            assertThat(missing.status).isEqualTo(400);
            assertThat(missing.body).isEmpty();
            assertThat(wrong.status).isEqualTo(400);
            assertThat(wrong.body).isEmpty();
            assertThat(handled).hasValue(0);
            assertThat(log.records()).hasSize(2);
            // Never the token: whoever reads the app's log could call the app directly with it.
            assertThat(log.records().get(0).getMessage()).isEqualTo(
                    "'MS-ASPNETCORE-TOKEN' does not match the expected pairing token, request rejected.");
            assertThat(log.records()).allSatisfy(r -> assertThat(r.getMessage()).doesNotContain(TOKEN));
        }
    }

    @Test
    void theRightTokenReachesTheAppWhichNeverSeesTheToken() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        OneShotHttp.Response response = OneShotHttp.send(port(server), "GET", "/x?q=1",
                "MS-ASPNETCORE-TOKEN: " + TOKEN);
        assertThat(response.status).isEqualTo(200);
        assertThat(report(response)).containsEntry("uri", "/x?q=1").containsEntry("token", "-");
        assertThat(response.body).doesNotContain(TOKEN);
    }

    @Test
    void theAppSeesPathsWithoutTheBaseAndCanReadTheBase() throws IOException {
        HttpServer server = server(env("/app1"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.createContext("/api", reporter());
        server.start();
        String token = "MS-ASPNETCORE-TOKEN: " + TOKEN;

        Map<String, String> root = report(OneShotHttp.send(port(server), "GET", "/app1/x?q=%20", token));
        assertThat(root).containsEntry("uri", "/x?q=%20").containsEntry("pathBase", "/app1")
                .containsEntry("contextPath", "/");
        assertThat(report(OneShotHttp.send(port(server), "GET", "/app1", token))).containsEntry("uri", "/");
        assertThat(report(OneShotHttp.send(port(server), "GET", "/APP1/y", token)))
                .containsEntry("uri", "/y").containsEntry("pathBase", "/APP1");
        Map<String, String> api = report(OneShotHttp.send(port(server), "GET", "/app1/api/v", token));
        assertThat(api).containsEntry("uri", "/api/v").containsEntry("contextPath", "/api");

        // Outside the base: still token-checked, then passed on whole, as UsePathBase does.
        assertThat(OneShotHttp.send(port(server), "GET", "/other").status).isEqualTo(400);
        assertThat(report(OneShotHttp.send(port(server), "GET", "/other", token))).containsEntry("uri", "/other")
                .containsEntry("pathBase", "");
        assertThat(report(OneShotHttp.send(port(server), "GET", "/app1x", token))).containsEntry("uri", "/app1x")
                .containsEntry("pathBase", "");
    }

    @Test
    void everyRequestIsTokenCheckedEvenWhereTheAppHasNoContext() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/api", reporter());
        server.start();
        assertThat(OneShotHttp.send(port(server), "GET", "/nothing").status).isEqualTo(400);
        assertThat(OneShotHttp.send(port(server), "GET", "/nothing", "MS-ASPNETCORE-TOKEN: " + TOKEN).status)
                .isEqualTo(404);
        assertThat(OneShotHttp.send(port(server), "GET", "/api", "MS-ASPNETCORE-TOKEN: " + TOKEN).status)
                .isEqualTo(200);
    }

    @Test
    void theShutdownMessageGets202ThenStopsTheServerAndExits() throws Exception {
        HttpServer server = server(env("/app1"), PorterOptions.defaults());
        server.createContext("/api", reporter());
        server.start();
        int port = port(server);
        OneShotHttp.Response response = OneShotHttp.send(port, "POST", "/app1/iisintegration",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "MS-ASPNETCORE-EVENT: shutdown ", "Content-Length: 0");
        assertThat(response.status).isEqualTo(202);
        assertThat(response.body).isEmpty();
        assertThat(handled).hasValue(0);
        assertThat(exited.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(refusesConnections(port)).isTrue();
    }

    @Test
    void anAppHookReplacesTheDefaultStop() throws Exception {
        CountDownLatch hookRan = new CountDownLatch(1);
        shutdown.onShutdown(hookRan::countDown);
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        OneShotHttp.Response response = OneShotHttp.send(port(server), "POST", "/iisintegration",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "MS-ASPNETCORE-EVENT: shutdown", "Content-Length: 0");
        assertThat(response.status).isEqualTo(202);
        assertThat(hookRan.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(exited.getCount()).isEqualTo(1);
        // The app decides when to stop; the server still answers.
        assertThat(OneShotHttp.send(port(server), "GET", "/", "MS-ASPNETCORE-TOKEN: " + TOKEN).status).isEqualTo(200);
    }

    @Test
    void aShutdownLookalikeReachesTheApp() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        String token = "MS-ASPNETCORE-TOKEN: " + TOKEN;
        assertThat(OneShotHttp.send(port(server), "GET", "/iisintegration", token, "MS-ASPNETCORE-EVENT: shutdown")
                .status).isEqualTo(200);
        assertThat(OneShotHttp.send(port(server), "POST", "/iisintegration", token, "MS-ASPNETCORE-EVENT: event",
                "Content-Length: 0").status).isEqualTo(200);
        assertThat(handled).hasValue(2);
        assertThat(shutdown.triggered()).isFalse();
    }

    @Test
    void forwardedHeadersFromLoopbackBecomeClientAndScheme() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        Map<String, String> report = report(OneShotHttp.send(port(server), "GET", "/",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "X-Forwarded-For: 1.2.3.4, 10.0.0.5:50000",
                "X-Forwarded-Proto: https"));
        assertThat(report).containsEntry("remote", "10.0.0.5:50000").containsEntry("scheme", "https")
                .containsEntry("originalProto", "http").containsEntry("xOriginalProto", "http")
                .containsEntry("xff", "1.2.3.4").containsEntry("xfp", "-");
        assertThat(report.get("originalFor")).startsWith("127.0.0.1:").isEqualTo(report.get("xOriginalFor"));
    }

    @Test
    void forwardedHeadersFromElsewhereAreIgnored() throws IOException {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeThat(external).as("a non-loopback IPv4 address on this machine").isPresent();
        // The app made its own server (on all interfaces) and added the filter.
        HttpServer server = HttpServer.create(new InetSocketAddress(0), 0);
        servers.add(server);
        server.createContext("/", reporter()).getFilters().add(
                PorterIntegration.filter(PorterOptions.defaults(), env("/")::get, shutdown));
        server.start();
        OneShotHttp.Response response = OneShotHttp.send(external.get(), external.get(), port(server), "GET", "/",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "X-Forwarded-For: 10.0.0.5:50000", "X-Forwarded-Proto: https");
        Map<String, String> report = report(response);
        assertThat(report.get("remote")).startsWith(external.get().getHostAddress() + ":");
        assertThat(report).containsEntry("scheme", "http").containsEntry("originalFor", "-")
                .containsEntry("xff", "10.0.0.5:50000").containsEntry("xfp", "https");
    }

    @Test
    void theForwardedCertificateAndUserAreTheRequests() throws Exception {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        Map<String, String> report = report(OneShotHttp.send(port(server), "GET", "/",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "MS-ASPNETCORE-CLIENTCERT: " + TestCertificates.headerValue(),
                "MS-ASPNETCORE-USER: alice", "MS-ASPNETCORE-AUTH-TYPE: Basic"));
        assertThat(report).containsEntry("cert", "CN=porter-test-client").containsEntry("user", "alice@Basic");
    }

    @Test
    void optionsTurnCertificateAndUserOff() throws Exception {
        HttpServer server = server(env("/"), PorterOptions.defaults().withForwardClientCertificate(false)
                .withAutomaticAuthentication(false));
        server.createContext("/", reporter());
        server.start();
        Map<String, String> report = report(OneShotHttp.send(port(server), "GET", "/",
                "MS-ASPNETCORE-TOKEN: " + TOKEN, "MS-ASPNETCORE-CLIENTCERT: " + TestCertificates.headerValue(),
                "MS-ASPNETCORE-USER: alice"));
        assertThat(report).containsEntry("cert", "-").containsEntry("user", "-");
    }

    @Test
    void aBadCertificateYieldsNoneAndTheRequestGoesOn() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/", reporter());
        server.start();
        try (LogCapture log = new LogCapture()) {
            OneShotHttp.Response response = OneShotHttp.send(port(server), "GET", "/",
                    "MS-ASPNETCORE-TOKEN: " + TOKEN, "MS-ASPNETCORE-CLIENTCERT: garbage");
            assertThat(response.status).isEqualTo(200);
            assertThat(report(response)).containsEntry("cert", "-");
            assertThat(log.records()).extracting(r -> r.getMessage())
                    .containsExactly("Failed to read the client certificate.");
        }
    }

    @Test
    void standaloneTheFilterPassesEverythingOn() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        servers.add(server);
        server.createContext("/", reporter()).getFilters().add(
                PorterIntegration.filter(PorterOptions.defaults(), Collections.<String, String>emptyMap()::get,
                        shutdown));
        server.start();
        OneShotHttp.Response response = OneShotHttp.send(port(server), "GET", "/x", "X-Forwarded-For: 10.0.0.5:1");
        assertThat(response.status).isEqualTo(200);
        assertThat(report(response)).containsEntry("uri", "/x").containsEntry("xff", "10.0.0.5:1");
    }

    @Test
    void contextsAddedAfterStartAndRemovedWork() throws IOException {
        HttpServer server = server(env("/app1"), PorterOptions.defaults());
        server.start();
        String token = "MS-ASPNETCORE-TOKEN: " + TOKEN;
        assertThat(OneShotHttp.send(port(server), "GET", "/app1/late", token).status).isEqualTo(404);
        server.createContext("/late", reporter());
        assertThat(report(OneShotHttp.send(port(server), "GET", "/app1/late/x", token))).containsEntry("uri",
                "/late/x");
        server.removeContext("/late");
        assertThat(OneShotHttp.send(port(server), "GET", "/app1/late", token).status).isEqualTo(404);
    }

    @Test
    void anAuthenticatorOnAnAppContextStillRunsAfterTheIntegration() throws IOException {
        HttpServer server = server(env("/app1"), PorterOptions.defaults());
        server.createContext("/secure", reporter()).setAuthenticator(new BasicAuthenticator("test") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return "bob".equals(user) && "pw".equals(password);
            }
        });
        server.start();
        String token = "MS-ASPNETCORE-TOKEN: " + TOKEN;
        assertThat(OneShotHttp.send(port(server), "GET", "/app1/secure", token).status).isEqualTo(401);
        String credentials = Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
        OneShotHttp.Response response = OneShotHttp.send(port(server), "GET", "/app1/secure", token,
                "Authorization: Basic " + credentials);
        assertThat(report(response)).containsEntry("user", "bob@test").containsEntry("uri", "/secure");
    }

    @Test
    void contextsBehaveAsTheJdksDo() throws IOException {
        HttpServer server = server(env("/"), PorterOptions.defaults());
        server.createContext("/a", reporter());
        assertThatThrownBy(() -> server.createContext("/a", reporter())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.createContext("a", reporter())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.removeContext("/missing")).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.createContext("/b").getServer()).isSameAs(server);
    }

    private static boolean refusesConnections(int port) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return false;
            } catch (ConnectException e) {
                return true;
            }
        });
        return true;
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nif.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
