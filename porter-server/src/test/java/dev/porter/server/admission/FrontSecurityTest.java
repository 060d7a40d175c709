package dev.porter.server.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.AuthenticatedUser;
import dev.porter.server.Exchange;
import dev.porter.server.TlsFrontTest;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front server's access checks as clients see them: IIS's {@code sslFlags} (403.4 for plain http where SSL is
 * required, 403.7 without a client certificate where one is required, a certificate from an untrusted CA refused in
 * the handshake) and authentication (Basic against bcrypt htpasswd entries: 401 with the challenge, the user on the
 * exchange, anonymous access on or off), over HTTP/1.1 and HTTP/2.
 */
class FrontSecurityTest {

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

    private Porter start(ServerConfig.Security security) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"),
                List.of(TestPki.site(List.of(new ServerConfig.Application("/", app)),
                        TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security);
        Porter porter = Porter.start(config, ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, TlsFrontTest.DESCRIBE, HostingModel.IN_PROCESS,
                        TlsFrontTest.DESCRIBE));
        toClose.add(porter::stop);
        return porter;
    }

    private HttpClient client(HttpClient.Version version, X509Bundle clientCertificate) {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(pki.clientContext(clientCertificate))
                .connectTimeout(Duration.ofSeconds(10)).build();
        toClose.add(client::close);
        return client;
    }

    private static HttpResponse<String> get(HttpClient client, Porter porter, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + porter.securePort()
                + "/secret"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private ServerConfig.Security basicSecurity(boolean anonymous) {
        Map<String, String> users = Map.of("alice", TestPki.htpasswdLine("alice", "wonder land").substring(6),
                "bob", TestPki.htpasswdLine("bob", "builder").substring(4));
        return new ServerConfig.Security(ServerConfig.Access.NONE, new ServerConfig.Authentication(anonymous,
                new ServerConfig.BasicAuthentication(true, "Porter test", dir.resolve("users"), users)));
    }

    @Test
    void sslRequiredRefusesPlainHttpWith403() throws Exception {
        Porter porter = start(new ServerConfig.Security(new ServerConfig.Access(true, false, false, List.of()),
                ServerConfig.Authentication.ANONYMOUS));
        try (RawHttp raw = new RawHttp(porter.port())) {
            RawHttp.Response r = raw.exchange("GET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.bodyText()).contains("SSL is required");
            // Refused politely: the connection stays usable.
            assertThat(raw.exchange("GET /other HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(403);
        }
        HttpResponse<String> https = get(client(HttpClient.Version.HTTP_2, null), porter, null);
        assertThat(https.statusCode()).isEqualTo(200);
        assertThat(https.body()).startsWith("secure=true");
    }

    @Test
    void requiredClientCertificateReachesTheExchangeAndItsAbsenceIs403() throws Exception {
        Porter porter = start(new ServerConfig.Security(new ServerConfig.Access(true, true, true,
                List.of(pki.clientCa.getCertificate())), ServerConfig.Authentication.ANONYMOUS));
        for (HttpClient.Version version : HttpClient.Version.values()) {
            HttpResponse<String> withCert = get(client(version, pki.client("alice")), porter, null);
            assertThat(withCert.statusCode()).isEqualTo(200);
            assertThat(withCert.body()).contains("cert=CN=alice");

            HttpResponse<String> without = get(client(version, null), porter, null);
            assertThat(without.statusCode()).isEqualTo(403);
            assertThat(without.body()).contains("client certificate is required");
        }
        // A certificate the configured client CAs did not issue does not get past the handshake.
        X509Bundle stranger = new TestPki().client("mallory");
        assertThatThrownBy(() -> get(client(HttpClient.Version.HTTP_2, stranger), porter, null))
                .isInstanceOf(IOException.class);
    }

    @Test
    void negotiatedClientCertificateIsOptional() throws Exception {
        Porter porter = start(new ServerConfig.Security(new ServerConfig.Access(false, true, false,
                List.of(pki.clientCa.getCertificate())), ServerConfig.Authentication.ANONYMOUS));
        assertThat(get(client(HttpClient.Version.HTTP_2, pki.client("carol")), porter, null).body())
                .contains("cert=CN=carol");
        assertThat(get(client(HttpClient.Version.HTTP_2, null), porter, null).body()).contains("cert=none");
    }

    @Test
    void basicAuthenticationWithoutAnonymousChallengesRejectsAndAccepts() throws Exception {
        Porter porter = start(basicSecurity(false));
        for (HttpClient.Version version : HttpClient.Version.values()) {
            HttpClient client = client(version, null);
            HttpResponse<String> none = get(client, porter, null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().allValues("WWW-Authenticate"))
                    .containsExactly("Basic realm=\"Porter test\", charset=\"UTF-8\"");

            HttpResponse<String> wrong = get(client, porter, basic("alice", "wonderland"));
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("not valid");
            assertThat(get(client, porter, basic("nobody", "wonder land")).statusCode()).isEqualTo(401);
            assertThat(get(client, porter, "Basic !!!not-base64").statusCode()).isEqualTo(401);
            assertThat(get(client, porter, "Bearer abc").statusCode()).isEqualTo(401);

            for (int i = 0; i < 3; i++) { // the second and third are answered from the verified cache
                HttpResponse<String> right = get(client, porter, basic("alice", "wonder land"));
                assertThat(right.statusCode()).isEqualTo(200);
                assertThat(right.body()).contains("user=alice/Basic");
            }
            assertThat(get(client, porter, basic("bob", "builder")).body()).contains("user=bob/Basic");
        }
        // Over plain http too: Basic does not require TLS (IIS's choice too; sslFlags Ssl is the way to insist).
        try (RawHttp raw = new RawHttp(porter.port())) {
            RawHttp.Response r = raw.exchange("GET / HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                    + basic("alice", "wonder land") + "\r\n\r\n");
            assertThat(r.bodyText()).contains("user=alice/Basic");
            RawHttp.Response denied = raw.exchange("GET / HTTP/1.1\r\nHost: front.example\r\n\r\n");
            assertThat(denied.status()).isEqualTo(401);
        }
    }

    @Test
    void anonymousAndBasicTogetherMakeCredentialsOptionalButChecked() throws Exception {
        Porter porter = start(basicSecurity(true));
        HttpClient client = client(HttpClient.Version.HTTP_2, null);
        assertThat(get(client, porter, null).body()).contains("user=none");
        assertThat(get(client, porter, "Bearer some-token").body()).contains("user=none");
        assertThat(get(client, porter, basic("alice", "nope")).statusCode()).isEqualTo(401);
        assertThat(get(client, porter, basic("alice", "wonder land")).body()).contains("user=alice/Basic");
    }

    @Test
    void noSchemeAtAllDeniesEveryoneWithoutAChallenge() throws Exception {
        Porter porter = start(new ServerConfig.Security(ServerConfig.Access.NONE,
                new ServerConfig.Authentication(false, ServerConfig.BasicAuthentication.DISABLED)));
        HttpResponse<String> r = get(client(HttpClient.Version.HTTP_2, null), porter, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).isEmpty();
    }

    @Test
    void basicAuthenticatorChecksPublishedBcryptVectors() {
        // jBCrypt's / OpenBSD's test vectors, as $2a$ and as htpasswd -B writes them ($2y$, same hash).
        Map<String, String> users = Map.of(
                "abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i",
                "alphabet", "$2y$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC");
        BasicAuthenticator basic = new BasicAuthenticator(new ServerConfig.BasicAuthentication(true, "r", null,
                users));
        assertThat(basic.authenticate(basic("abc", "abc"))).isEqualTo(new AuthenticatedUser("abc", "Basic", "r"));
        assertThat(basic.authenticate(basic("alphabet", "abcdefghijklmnopqrstuvwxyz"))).isNotNull();
        assertThat(basic.authenticate(basic("abc", "abd"))).isNull();
        assertThat(basic.authenticate(basic("alphabet", "abc"))).isNull();
    }

    /** Counts the checks it is asked for and holds each until released, so that callers can pile up meanwhile. */
    private static final class GatedAuthenticator implements Authenticator {
        private final BasicAuthenticator real;
        private final java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.CountDownLatch gate;

        GatedAuthenticator(BasicAuthenticator real, java.util.concurrent.CountDownLatch gate) {
            this.real = real;
            this.gate = gate;
        }

        @Override
        public String scheme() {
            return "Basic";
        }

        @Override
        public String challenge(Exchange exchange) {
            return real.challenge(exchange);
        }

        @Override
        public AuthenticatedUser authenticate(String authorization) {
            checks.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return real.authenticate(authorization);
        }
    }

    private GatedAuthenticator gated(java.util.concurrent.CountDownLatch gate) {
        return new GatedAuthenticator(new BasicAuthenticator(basicSecurity(false).authentication().basic()), gate);
    }

    @Test
    void requestsArrivingDuringAPasswordCheckShareItAndLaterOnesAreAnsweredFromMemory() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        GatedAuthenticator authenticator = gated(gate);
        FrontSecurity security = new FrontSecurity(basicSecurity(false), List.of(authenticator), System::nanoTime);
        toClose.add(security::close);
        List<java.util.concurrent.CompletableFuture<AuthenticatedUser>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // an HTTP/2 client's first burst of streams, all with the same header
            burst.add(security.verify(authenticator, basic("alice", "wonder land")));
        }
        assertThat(burst).allSatisfy(f -> assertThat(f).isNotDone());
        gate.countDown();
        for (var f : burst) {
            assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(new AuthenticatedUser("alice", "Basic", "Porter test"));
        }
        assertThat(authenticator.checks).hasValue(1);
        var later = security.verify(authenticator, basic("alice", "wonder land"));
        assertThat(later).isCompletedWithValue(new AuthenticatedUser("alice", "Basic", "Porter test"));
        assertThat(authenticator.checks).hasValue(1);
    }

    @Test
    void aWrongPasswordIsRefusedEveryTimeAndNeverRemembered() throws Exception {
        GatedAuthenticator authenticator = gated(new java.util.concurrent.CountDownLatch(0));
        FrontSecurity security = new FrontSecurity(basicSecurity(false), List.of(authenticator), System::nanoTime);
        toClose.add(security::close);
        assertThat(security.verify(authenticator, basic("alice", "wonder land")).get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        for (int i = 1; i <= 3; i++) { // the right password of the same user is remembered; a wrong one is not
            assertThat(security.verify(authenticator, basic("alice", "wonderland"))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).isNull();
            assertThat(authenticator.checks).hasValue(1 + i);
        }
        AuthenticatedUser alice = new AuthenticatedUser("alice", "Basic", "Porter test");
        assertThat(security.verify(authenticator, basic("alice", "wonder land"))).isCompletedWithValue(alice);
        assertThat(authenticator.checks).as("the right password is still answered from memory").hasValue(4);
        for (int i = 1; i <= 2; i++) { // an unknown user is checked each time too
            assertThat(security.verify(authenticator, basic("mallory", "wonder land"))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).isNull();
            assertThat(authenticator.checks).hasValue(4 + i);
        }
        assertThat(security.verify(authenticator, basic("alice", "wonder land"))).isCompletedWithValue(alice);
        assertThat(authenticator.checks).hasValue(6);
    }

    @Test
    void rememberedCredentialsAreCheckedAgainAfterTheirTimeToLive() throws Exception {
        GatedAuthenticator authenticator = gated(new java.util.concurrent.CountDownLatch(0));
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        FrontSecurity security = new FrontSecurity(basicSecurity(false), List.of(authenticator), now::get);
        toClose.add(security::close);
        String alice = basic("alice", "wonder land");
        assertThat(security.verify(authenticator, alice).get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        now.addAndGet(FrontSecurity.VERIFIED_TTL.toNanos() - 1);
        assertThat(security.verify(authenticator, alice)).isCompleted();
        assertThat(authenticator.checks).hasValue(1);
        now.addAndGet(1);
        assertThat(security.verify(authenticator, alice).get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        assertThat(authenticator.checks).hasValue(2);
    }

    @Test
    void aBurstOfHttp2StreamsWithColdCredentialsIsAnsweredRightOrWrongAsAWhole() throws Exception {
        Porter porter = start(basicSecurity(false));
        HttpClient client = client(HttpClient.Version.HTTP_2, null);
        for (String[] credentials : new String[][] {{"alice", "wonder land", "200"}, {"bob", "wrong", "401"}}) {
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                burst.add(client.sendAsync(HttpRequest.newBuilder(URI.create("https://localhost:"
                        + porter.securePort() + "/secret")).header("Authorization", basic(credentials[0],
                        credentials[1])).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : burst) {
                HttpResponse<String> r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(credentials[0]).isEqualTo(Integer.parseInt(credentials[2]));
                if (r.statusCode() == 200) {
                    assertThat(r.body()).contains("user=alice/Basic");
                }
            }
        }
    }
}
