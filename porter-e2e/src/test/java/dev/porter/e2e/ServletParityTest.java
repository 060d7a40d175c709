package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12 item 3, as a user checks it: the same Spring Boot executable jar (samples/spring-boot, Boot 4.0.7 with
 * porter-spring-boot; samples/spring-boot3, Boot 3.5.7 with porter-spring-boot3) behind two Porters configured alike —
 * one runs it {@code hostingModel="inprocess"} (Porter's Servlet host), the other {@code "outofprocess"} (the app's own
 * Tomcat behind Porter) — answers every request of this test with the same status, headers and body.
 *
 * <p>Both Porters serve the app as the sub-application {@code /shop} on an http and an https binding, with Basic
 * authentication optional (anonymous on) and client certificates negotiated. What legitimately differs between the two
 * answers is named in {@link #IGNORED_HEADERS} and {@link #comparable}: nothing else may. The same comparison runs for
 * a Jersey servlet WAR ({@code -war}) and for Boot's own context path under the virtual path.
 */
// Each case starts two Spring Boot apps (one a JVM of its own) cold: more than the suite's default 120 s guard
// on a loaded 2-core machine. A failure guard only, never a speed assertion.
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ServletParityTest {

    /**
     * Response headers left out of the comparison, each with its reason. {@code Date}: the clock. {@code Server}: none
     * of the two writes one, but a future front server might. {@code Content-Length}/{@code Transfer-Encoding}:
     * message framing, chosen per hop (RFC 9112 §6): Jetty in-process knows the whole length of a small answer when it
     * commits, Tomcat streams chunks; the bytes of the body are compared instead. {@code Keep-Alive}/{@code
     * Connection}: hop-by-hop (RFC 9110 §7.6.1), the front server's own.
     */
    static final Set<String> IGNORED_HEADERS = Set.of("date", "server", "content-length", "transfer-encoding",
            "keep-alive", "connection");

    private static final String USER = "dana";
    private static final String PASSWORD = "s3cret";

    @TempDir
    Path dir;

    private final List<Porter> porters = new ArrayList<>();
    private final SoftAssertions differences = new SoftAssertions();
    private final List<HttpClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(HttpClient::close);
        porters.forEach(Porter::stop);
        // No Boot JVM outlives its Porter (Porter's own watchdog, a descendant for the JVM's lifetime, is none).
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .noneMatch(command -> command.contains("app.jar") || command.contains("app.war")));
    }

    /** One Porter per hosting model; the answers of both, side by side. */
    private record Pair(Side in, Side out) {
    }

    /** One Porter, its ports and a client that speaks the given version with the test user's certificate. */
    private record Side(String model, Porter porter, TestPki pki) {
        String http(String path) {
            return "http://localhost:" + porter.port() + path;
        }

        String https(String path) {
            return "https://localhost:" + porter.securePort() + path;
        }
    }

    /** What the client saw; headers by lower-case name. */
    private record Answer(int status, Map<String, List<String>> headers, String body) {
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spring-boot", "spring-boot3"})
    void theSameBootJarAnswersTheSameInProcessAndOutOfProcess(String sample) throws Exception {
        Path jar = samples().resolve(sample).resolve("target").resolve(sample + ".jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        TestPki pki = new TestPki();
        Pair pair = new Pair(start("inprocess", jar, pki), start("outofprocess", jar, pki));

        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            HttpClient anonymous = client(pki, version, false);
            HttpClient withCertificate = client(pki, version, true);
            String json = "{\"a\":[1,2],\"b\":\"two\",\"c\":{\"d\":null}}";

            // GET and POST JSON, over TLS and HTTP/1.1 or HTTP/2 at the front (the out-of-process hop stays HTTP/1.1)
            same(pair, version + " GET JSON", side -> send(anonymous, get(side.https("/shop/greet?name=porter"))));
            same(pair, version + " POST JSON", side -> send(anonymous, HttpRequest.newBuilder(
                    URI.create(side.https("/shop/echo"))).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build()));
            // Boot's /error as JSON, for a thrown exception and for no handler at all
            same(pair, version + " thrown exception", side -> send(anonymous, get(side.https("/shop/boom"))));
            // Boot 3.5's carries Spring MVC 6.2's Vary (CORS) from before its sendError: Tomcat keeps it, and so does
            // Porter's Jetty in-process (ErrorAnswerHeaders)
            same(pair, version + " 404", side -> send(anonymous, get(side.https("/shop/no/such/thing"))));
            // path base, client address, https, front server's user and client certificate, as the app sees them
            Answer facts = same(pair, version + " facts, Basic user and client certificate", side -> send(
                    withCertificate, HttpRequest.newBuilder(URI.create(side.https("/shop/facts?x=1")))
                            .header("Authorization", basic(USER, PASSWORD)).build()));
            differences.assertThat(facts.body()).as("facts").contains("\"contextPath\":\"/shop\"", "\"servletPath\":\"/facts\"",
                    "\"remoteAddr\":\"127.0.0.1\"", "\"scheme\":\"https\"", "\"secure\":true",
                    "\"userPrincipal\":\"dana\"", "\"remoteUser\":\"dana\"", "\"authType\":\"Basic\"",
                    "\"clientCertificate\":\"CN=dana\"", "\"requestURL\":\"https://localhost:PORT/shop/facts\"");
            Answer anonymousFacts = same(pair, version + " facts, anonymous, no certificate", side -> send(anonymous,
                    get(side.https("/shop/facts"))));
            differences.assertThat(anonymousFacts.body()).as("anonymous facts").contains("\"userPrincipal\":null", "\"clientCertificate\":null");
            // multipart upload (a form field and two files, one of 300 KB)
            same(pair, version + " multipart", side -> send(withCertificate, multipart(side.https("/shop/upload"))));
        }

        HttpClient plain = client(pki, HttpClient.Version.HTTP_1_1, false);
        Answer plainFacts = same(pair, "plain http facts", side -> send(plain, get(side.http("/shop/facts"))));
        differences.assertThat(plainFacts.body()).as("plain facts").contains("\"scheme\":\"http\"", "\"secure\":false");
        sameExpectContinue(pair);
        sameTrailers(pair);
        differences.assertAll();
    }

    /**
     * The path base under a sub-application with Boot's own context path: {@code getContextPath()} is the virtual path
     * followed by {@code server.servlet.context-path} ({@code /shop/api}) both ways, and only that path serves.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spring-boot", "spring-boot3"})
    void theContextPathFollowsTheVirtualPathBothWays(String sample) throws Exception {
        Path jar = samples().resolve(sample).resolve("target").resolve(sample + ".jar");
        TestPki pki = new TestPki();
        Map<String, String> contextPath = Map.of("SERVER_SERVLET_CONTEXT_PATH", "/api");
        Pair pair = new Pair(start("inprocess", jar, "app.jar", "-jar app.jar", contextPath, pki),
                start("outofprocess", jar, "app.jar", "-jar app.jar", contextPath, pki));
        HttpClient client = client(pki, HttpClient.Version.HTTP_1_1, false);
        Answer facts = same(pair, "facts under the context path", side -> send(client,
                get(side.http("/shop/api/facts"))));
        differences.assertThat(facts.body()).contains("\"contextPath\":\"/shop/api\"", "\"servletPath\":\"/facts\"",
                "\"requestURI\":\"/shop/api/facts\"");
        // Outside the app's context path no app answers: the container's own 404 page (Tomcat's or Jetty's HTML),
        // which is not the app's answer, so only the status is compared.
        for (Side side : List.of(pair.in(), pair.out())) {
            differences.assertThat(send(client, get(side.http("/shop/facts"))).status())
                    .as(side.model() + ": outside the context path").isEqualTo(404);
        }
        same(pair, "error under the context path", side -> send(client, get(side.http("/shop/api/boom"))));
        differences.assertAll();
    }

    /**
     * A Jersey servlet WAR built from Maven Central (samples/jersey-war: jersey-container-servlet, {@code
     * @ApplicationPath}, no web.xml) with {@code arguments="-war app.war"}: in-process in Porter's Servlet host,
     * out-of-process in Porter's WAR runner; resources, {@code @Context HttpServletRequest}, an exception mapper, 404.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP_1_1", "HTTP_2"})
    void theSameJerseyWarAnswersTheSameInProcessAndOutOfProcess(HttpClient.Version version) throws Exception {
        Path war = samples().resolve("jersey-war/target/jersey-war.war");
        assertThat(war).as("the packaged sample (mvn verify packages it before this module)").exists();
        TestPki pki = new TestPki();
        Pair pair = new Pair(start("inprocess", war, "app.war", "-war app.war", pki),
                start("outofprocess", war, "app.war", "-war app.war", pki));
        HttpClient client = client(pki, version, false);
        Answer hello = same(pair, "Jersey hello", side -> send(client, get(side.https("/shop/api/hello?name=porter"))));
        differences.assertThat(hello.body()).isEqualTo("hello from Jersey, porter");
        Answer info = same(pair, "Jersey info", side -> send(client, get(side.https("/shop/api/info"))));
        differences.assertThat(info.body()).contains("contextPath=/shop\n", "servletPath=/api\n", "path=info\n");
        Answer mapped = same(pair, "Jersey exception mapper", side -> send(client, get(side.https("/shop/api/fail"))));
        differences.assertThat(mapped.status()).isEqualTo(422);
        same(pair, "Jersey 404", side -> send(client, get(side.https("/shop/api/no/such/thing"))));
        same(pair, "Jersey POST to a GET resource", side -> send(client, HttpRequest.newBuilder(
                URI.create(side.https("/shop/api/hello"))).POST(HttpRequest.BodyPublishers.ofString("x")).build()));
        differences.assertAll();
    }

    /** {@code Expect: 100-continue}: both answer 100 once the app reads, then the same final answer. */
    private void sameExpectContinue(Pair pair) throws Exception {
        String json = "{\"expect\":\"continue\"}";
        same(pair, "Expect: 100-continue", side -> {
            try (RawHttp http = new RawHttp("127.0.0.1", side.porter().port(), 120_000)) {
                http.send("POST /shop/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Expect: 100-continue\r\nContent-Length: " + json.length() + "\r\n\r\n");
                RawHttp.Response interim = http.readNextResponse(false);
                differences.assertThat(interim.status()).as(side.model() + ": the interim answer").isEqualTo(100);
                http.send(json);
                return answer(http.readResponse());
            }
        });
    }

    /**
     * A chunked request with trailers; the app reads them, and answers with trailers of its own. The trailer field's
     * name is sent in lower case, as HTTP/2 requires of every field name: Boot's Tomcat hands
     * {@code getTrailerFields()} keys in the case they had on the wire, where the Servlet API says lower case (Jetty
     * lowercases), so a mixed-case name would read differently; that difference is Tomcat's.
     */
    private void sameTrailers(Pair pair) throws Exception {
        Answer trailers = same(pair, "request and response trailers", side -> {
            try (RawHttp http = new RawHttp("127.0.0.1", side.porter().port(), 120_000)) {
                http.send("POST /shop/trailers HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                        + "Trailer: x-sum\r\nTE: trailers\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 42\r\n\r\n");
                return chunkedWithTrailers(http.readUntilClose());
            }
        });
        differences.assertThat(trailers.body()).as("the request trailers the app saw").contains("trailers={x-sum=42}");
        differences.assertThat(trailers.headers()).as("response trailers").containsKeys("trailer:x-digest",
                "trailer:x-checked");
    }

    @FunctionalInterface
    private interface Exchange {
        Answer on(Side side) throws Exception;
    }

    /**
     * Asks both sides and checks that the answers are equal (every pair is checked; the test fails at its end with all
     * the pairs that differ); returns the in-process answer, normalised.
     */
    private Answer same(Pair pair, String what, Exchange exchange) throws Exception {
        Answer in = comparable(pair.in(), exchange.on(pair.in()));
        Answer out = comparable(pair.out(), exchange.on(pair.out()));
        System.out.printf("parity %s: %d %s%n", what, in.status(), in.headers());
        differences.assertThat(in.status()).as(what + ": status (in-process body: %s / out-of-process body: %s)",
                in.body(), out.body()).isEqualTo(out.status());
        differences.assertThat(in.headers()).as(what + ": headers").isEqualTo(out.headers());
        differences.assertThat(in.body()).as(what + ": body").isEqualTo(out.body());
        return in;
    }

    /**
     * An answer with what legitimately differs made equal: the two Porters' port numbers (each listens on its own
     * OS-chosen port, and URLs the app builds carry it), Boot's error timestamp, and the spelling of a
     * {@code charset} parameter (Jetty writes {@code utf-8}, Tomcat {@code UTF-8}; the value is case-insensitive,
     * RFC 9110 §8.3.2).
     */
    static Answer comparable(Side side, Answer answer) {
        Map<String, List<String>> headers = new TreeMap<>();
        answer.headers().forEach((name, values) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (!IGNORED_HEADERS.contains(key)) {
                headers.put(key, values.stream().map(v -> key.equals("content-type")
                        ? v.replaceAll("(?i)charset=utf-8", "charset=UTF-8").replace(";charset", "; charset") : v)
                        .map(v -> ports(side, v)).toList());
            }
        });
        String body = ports(side, answer.body()).replaceAll("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"-\"");
        return new Answer(answer.status(), headers, body);
    }

    private static String ports(Side side, String text) {
        return text.replace(":" + side.porter().securePort(), ":PORT").replace(":" + side.porter().port(), ":PORT")
                .replace("\"serverPort\":" + side.porter().securePort(), "\"serverPort\":\"PORT\"")
                .replace("\"serverPort\":" + side.porter().port(), "\"serverPort\":\"PORT\"");
    }

    /** A Porter with http and https bindings, Basic authentication optional, client certificates negotiated. */
    private Side start(String model, Path jar, TestPki pki) throws IOException {
        return start(model, jar, "app.jar", "-jar app.jar", pki);
    }

    private Side start(String model, Path built, String file, String arguments, TestPki pki) throws IOException {
        return start(model, built, file, arguments, Map.of(), pki);
    }

    private Side start(String model, Path built, String file, String arguments, Map<String, String> environment,
            TestPki pki) throws IOException {
        Path appDir = Files.createDirectories(dir.resolve(model).resolve("shop"));
        Files.copy(built, appDir.resolve(file));
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", arguments,
                "hostingModel", model, "startupTimeLimit", "120"), environment);
        ServerConfig.Security security = new ServerConfig.Security(
                new ServerConfig.Access(false, true, false, List.of(pki.clientCa.getCertificate())),
                new ServerConfig.Authentication(true, new ServerConfig.BasicAuthentication(true, "", null,
                        Map.of(USER, TestPki.htpasswdLine(USER, PASSWORD).substring(USER.length() + 1)))));
        Porter porter = Porter.start(new ServerConfig(dir.resolve(model).resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/shop", appDir)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, security));
        porters.add(porter);
        return new Side(model, porter, pki);
    }

    private HttpClient client(TestPki pki, HttpClient.Version version, boolean withCertificate) {
        HttpClient client = HttpClient.newBuilder().version(version)
                .sslContext(withCertificate ? pki.clientContext(pki.client(USER)) : pki.clientContext(null))
                .connectTimeout(Duration.ofSeconds(10)).build();
        clients.add(client);
        return client;
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120)).build();
    }

    private static Answer send(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().map(), response.body());
    }

    private static Answer answer(RawHttp.Response response) {
        Map<String, List<String>> headers = new TreeMap<>();
        for (String[] header : response.headers()) {
            headers.computeIfAbsent(header[0].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(header[1]);
        }
        return new Answer(response.status(), headers, response.bodyText());
    }

    /** Parses a chunked response read to its end; its trailer fields join the headers as {@code trailer:<name>}. */
    static Answer chunkedWithTrailers(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        assertThat(headEnd).as("a response head in: %s", text).isPositive();
        String[] head = text.substring(0, headEnd).split("\r\n");
        Map<String, List<String>> headers = new TreeMap<>();
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            headers.computeIfAbsent(head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    k -> new ArrayList<>()).add(head[i].substring(colon + 1).trim());
        }
        int status = Integer.parseInt(head[0].split(" ")[1]);
        assertThat(headers.get("transfer-encoding")).as("a chunked answer: %s", text).containsExactly("chunked");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = headEnd + 4;
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            String sizeLine = text.substring(at, lineEnd);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            at = lineEnd + 2;
            if (size == 0) {
                break;
            }
            body.write(raw, at, size);
            at += size + 2;
        }
        for (String line : text.substring(at).split("\r\n")) {
            if (!line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.computeIfAbsent("trailer:" + line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
            }
        }
        return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static HttpRequest multipart(String url) {
        String boundary = "porter-parity-boundary";
        byte[] big = new byte[300_000];
        new Random(12).nextBytes(big);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi there\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nsmall file\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(big);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Authorization", basic(USER, PASSWORD))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static Path samples() {
        return Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize();
    }
}
