package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.servlet.sessionapp.SessionCountServlet;
import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * WARs in-process, end to end: the real Porter, the sample WAR built in this reactor (samples/war), raw sockets and
 * the JDK's HTTP client on loopback.
 */
class WarInProcessTest {

    private final TestThreads threads = new TestThreads();

    static final Path SAMPLE_WAR = Path.of(System.getProperty("porter.sample.war", "../samples/war/target/war.war"));

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp(90_000); // a first request waits for the app's start
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stop() {
        client.close();
        threads.close();
    }

    /** An application folder with the sample WAR as app.war (or as given) and a web.config deploying it. */
    Path app(String name, String arguments, Map<String, String> extra) throws IOException {
        Path appDir = dir.resolve(name);
        Files.createDirectories(appDir);
        Files.copy(SAMPLE_WAR, appDir.resolve("app.war"));
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", "java");
        attributes.put("arguments", arguments);
        attributes.put("hostingModel", "inprocess");
        attributes.putAll(extra);
        TestApps.writeWebConfig(appDir, attributes, Map.of("ASPNETCORE_ENVIRONMENT", "Development"));
        return appDir;
    }

    /** The sample WAR unzipped into {@code target} (an exploded web application). */
    static Path explode(Path target) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(SAMPLE_WAR))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                Path p = target.resolve(e.getName()).normalize();
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.copy(zip, p);
                }
            }
        }
        return target;
    }

    void start(Map<String, Path> apps) throws IOException {
        start(TestApps.server(apps));
    }

    void start(ServerConfig config) throws IOException {
        hosted.start(config);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + hosted.porter().port() + path);
    }

    @Test
    void deploysAWarFileUnderAVirtualPath() throws Exception {
        start(Map.of("/app", app("war", "-war app.war", Map.of())));
        RawHttp.Response hello = hosted.get("/app/hello");
        assertThat(hello.status()).isEqualTo(200);
        assertThat(hello.bodyText()).isEqualTo("hello from a WAR");
        assertThat(hello.header("X-Filtered")).contains("yes"); // @WebFilter
        assertThat(hello.headers("Server")).hasSizeLessThanOrEqualTo(1);
        assertThat(hello.headers("Date")).hasSize(1);
        assertThat(hello.header("Content-Type")).contains("text/plain;charset=utf-8");

        String info = hosted.get("/app/info/x%20y?q=1").bodyText();
        assertThat(info).contains("contextPath=/app\n", "servletPath=/info\n", "pathInfo=/x y\n", "queryString=q=1\n",
                "protocol=HTTP/1.1\n", "scheme=http\n", "secure=false\n", "remoteAddr=127.0.0.1\n",
                "greeting=hello from web.xml\n", // <context-param>
                "greetings=EnglishGreeting\n", // ServletContainerInitializer with @HandlesTypes
                "listener=started\n", // @WebListener
                "servletApi=6.1\n", "loader=WarClassLoader\n");

        RawHttp.Response welcome = hosted.get("/app/");
        assertThat(welcome.status()).isEqualTo(200);
        assertThat(welcome.bodyText()).contains("Welcome to the sample WAR");
        assertThat(hosted.get("/app/static/note.txt").bodyText()).isEqualTo("a static file from the WAR\n");

        RawHttp.Response missing = hosted.get("/app/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.bodyText()).contains("The sample WAR has no such page"); // <error-page> 404

        RawHttp.Response thrown = hosted.get("/app/throw");
        assertThat(thrown.status()).isEqualTo(500);
        assertThat(thrown.bodyText()).isEqualTo("oops: thrown on purpose"); // <error-page> exception-type

        // Porter routes case-insensitively
        assertThat(hosted.get("/APP/hello").bodyText()).isEqualTo("hello from a WAR");

        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            http.send("HEAD /app/hello HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response head = http.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            // the same connection goes on
            assertThat(http.exchange("GET /app/hello HTTP/1.1\r\nHost: x\r\n\r\n").bodyText())
                    .isEqualTo("hello from a WAR");
        }
    }

    @Test
    void deploysAnExplodedFolderAtTheRoot() throws Exception {
        Path appDir = dir.resolve("exploded-app");
        explode(appDir.resolve("site"));
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war site",
                "hostingModel", "inprocess"), Map.of());
        start(Map.of("/", appDir));
        assertThat(hosted.get("/hello").bodyText()).isEqualTo("hello from a WAR");
        assertThat(hosted.get("/info").bodyText()).contains("contextPath=\n", "greetings=EnglishGreeting\n");
        assertThat(hosted.get("/").bodyText()).contains("Welcome to the sample WAR");
    }

    /**
     * HTTP sessions ({@link LazySessionHandler}): one is made only when the app asks, lasts across requests that carry
     * its cookie (each request's changes kept), and ends when the app invalidates it.
     */
    @Test
    void anHttpSessionLastsAcrossRequestsAndIsMadeOnlyWhenAskedFor() throws Exception {
        Path appDir = dir.resolve("sessions");
        Path site = explode(appDir.resolve("site"));
        Path servlet = site.resolve("WEB-INF/classes/dev/porter/hosting/servlet/sessionapp/SessionCountServlet.class");
        Files.createDirectories(servlet.getParent());
        Files.copy(Path.of(SessionCountServlet.class.getResource("SessionCountServlet.class").toURI()), servlet);
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war site",
                "hostingModel", "inprocess"), Map.of());
        start(Map.of("/", appDir));

        RawHttp.Response hello = hosted.get("/hello");
        assertThat(hello.bodyText()).isEqualTo("hello from a WAR");
        assertThat(hello.header("Set-Cookie")).isEmpty(); // no session asked for: none made
        RawHttp.Response first = hosted.get("/session-count");
        assertThat(first.bodyText()).isEqualTo("1");
        String cookie = first.header("Set-Cookie").orElseThrow().split(";", 2)[0];
        assertThat(cookie).startsWith("JSESSIONID=");
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            for (int i = 2; i <= 4; i++) {
                assertThat(http.exchange("GET /session-count HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + "\r\n\r\n")
                        .bodyText()).isEqualTo(String.valueOf(i));
            }
            assertThat(http.exchange("GET /session-count?peek HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + "\r\n\r\n")
                    .bodyText()).isEqualTo("4");
            assertThat(http.exchange("GET /session-count?peek HTTP/1.1\r\nHost: x\r\n\r\n").bodyText())
                    .isEqualTo("none");
            assertThat(http.exchange("GET /session-count?invalidate HTTP/1.1\r\nHost: x\r\nCookie: " + cookie
                    + "\r\n\r\n").bodyText()).isEqualTo("invalidated");
            assertThat(http.exchange("GET /session-count?peek HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + "\r\n\r\n")
                    .bodyText()).isEqualTo("none");
        }
    }

    @Test
    void badInputIsNamedWith500Point0() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        Path noWebInf = app("no-web-inf", "-war folder", Map.of());
        Files.createDirectories(noWebInf.resolve("folder/static"));
        apps.put("/no-web-inf", noWebInf);
        Path notAWar = app("not-a-war", "-war broken.war", Map.of());
        Files.writeString(notAWar.resolve("broken.war"), "this is text, not a zip");
        apps.put("/not-a-war", notAWar);
        apps.put("/missing", app("missing", "-war nowhere.war", Map.of()));
        apps.put("/no-path", app("no-path", "-war", Map.of()));
        start(apps);

        RawHttp.Response r = hosted.get("/no-web-inf/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.0").contains(noWebInf.resolve("folder")
                + "&#39; is a folder without WEB-INF/");
        assertThat(hosted.get("/not-a-war/").bodyText()).contains("HTTP Error 500.0")
                .contains(notAWar.resolve("broken.war") + "&#39; is not a WAR: it cannot be read as a zip file");
        assertThat(hosted.get("/missing/").bodyText()).contains("HTTP Error 500.0")
                .contains("The web application &#39;nowhere.war&#39; was not found at");
        assertThat(hosted.get("/no-path/").bodyText()).contains("HTTP Error 500.0")
                .contains("&#39;-war&#39; must be followed by the web application");
    }

    @Test
    void aFailedDeploymentIs500Point30NamingTheCause() throws Exception {
        Path appDir = dir.resolve("failing");
        Path site = explode(appDir.resolve("site"));
        Path webXml = site.resolve("WEB-INF/web.xml");
        Files.writeString(webXml, Files.readString(webXml).replace("<display-name>",
                "<listener><listener-class>com.example.NoSuchListener</listener-class></listener>\n  <display-name>"));
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war site",
                "hostingModel", "inprocess"), Map.of("ASPNETCORE_ENVIRONMENT", "Development"));
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/failing", appDir);
        apps.put("/good", app("good", "-war app.war", Map.of()));
        start(apps);
        RawHttp.Response r = hosted.get("/failing/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.30").contains("com.example.NoSuchListener");
        // one broken app disturbs no other
        assertThat(hosted.get("/good/hello").bodyText()).isEqualTo("hello from a WAR");
    }

    @Test
    void aStartSlowerThanTheLimitIs500Point37() throws Exception {
        Path appDir = dir.resolve("slow");
        Path site = explode(appDir.resolve("site"));
        Files.writeString(site.resolve("WEB-INF/slow-start"), "60000");
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war site",
                "hostingModel", "inprocess", "startupTimeLimit", "2"), Map.of());
        start(Map.of("/", appDir));
        RawHttp.Response r = hosted.get("/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.37");
    }

    @Test
    void bodiesStreamBothWays() throws Exception {
        start(Map.of("/", app("echo", "-war app.war", Map.of())));
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(body);
        // The echo answers while the body still arrives: the client must send and read at once (the JDK's client
        // reads only after sending, which would deadlock any streaming echo).
        assertThat(echo(body, false).body()).isEqualTo(body);
        assertThat(echo(body, true).body()).isEqualTo(body);

        HttpResponse<String> chunkedUpload = client.send(HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunkedUpload.body()).isEqualTo(body.length + " " + sha256(body));

        HttpResponse<String> continued = client.send(HttpRequest.newBuilder(uri("/upload")).expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(continued.statusCode()).isEqualTo(200);
        assertThat(continued.body()).isEqualTo(body.length + " " + sha256(body));

        HttpResponse<InputStream> big = client.send(HttpRequest.newBuilder(uri("/big?bytes=" + 40_000_000)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long n = 0;
        try (InputStream in = big.body()) {
            byte[] buf = new byte[65536];
            int r;
            while ((r = in.read(buf)) >= 0) {
                n += r;
            }
        }
        assertThat(n).isEqualTo(40_000_000L);
    }

    @Test
    void asyncServletsAndNonBlockingIo() throws Exception {
        start(Map.of("/", app("async", "-war app.war", Map.of())));
        assertThat(hosted.get("/async").bodyText()).isEqualTo("async done"); // startAsync + complete on another thread
        assertThat(hosted.get("/async?dispatch=1").bodyText()).isEqualTo("hello from a WAR"); // AsyncContext.dispatch
        RawHttp.Response timedOut = hosted.get("/async?timeout=1"); // AsyncListener.onTimeout
        assertThat(timedOut.status()).isEqualTo(200);
        assertThat(timedOut.bodyText()).isEqualTo("timed out");
        byte[] body = new byte[3 * 1024 * 1024];
        new Random(11).nextBytes(body);
        assertThat(echo("/nb-echo", body, false).body()).isEqualTo(body); // ReadListener + WriteListener
        assertThat(echo("/nb-echo", body, true).body()).isEqualTo(body);
    }

    @Test
    void aJakartaWebSocketEndpointEchoesInProcess() throws Exception {
        start(Map.of("/app", app("ws", "-war app.war", Map.of())));
        assertThat(hosted.get("/app/hello").status()).isEqualTo(200);
        java.util.concurrent.LinkedBlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        java.net.http.WebSocket ws = client.newWebSocketBuilder().buildAsync(
                URI.create("ws://127.0.0.1:" + hosted.porter().port() + "/app/ws/echo"),
                new java.net.http.WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket,
                            CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            received.add(text.toString());
                            text.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket socket,
                            int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }
                }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        for (int i = 0; i < 200; i++) {
            ws.sendText("message " + i, true).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo: message " + i);
        }
        String big = "x".repeat(60_000); // under Jakarta WebSocket's default 64 KiB text message limit
        ws.sendText(big, true).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("echo: " + big);
        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(hosted.get("/app/hello").bodyText()).isEqualTo("hello from a WAR"); // plain HTTP goes on

        // app_offline.htm closes the sockets that are open
        CompletableFuture<Boolean> gone = new CompletableFuture<>();
        client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + hosted.porter().port() + "/app/ws/echo"),
                new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket socket,
                            int statusCode, String reason) {
                        gone.complete(true);
                        return null;
                    }

                    @Override
                    public void onError(java.net.http.WebSocket socket, Throwable error) {
                        gone.complete(true);
                    }
                }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        Files.writeString(dir.resolve("ws").resolve("app_offline.htm"), "offline");
        assertThat(gone.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Requests that are no handshake skip Jetty's upgrade filter ({@link WebSocketFilterShortcut}): at the endpoint's
     * path they get the app's answer as before, the ones that may be a handshake still reach the filter, and every
     * filter of the app still runs.
     */
    @Test
    void requestsToAWebSocketPathThatAreNoHandshakeGetTheAppsAnswer() throws Exception {
        start(Map.of("/app", app("ws", "-war app.war", Map.of())));
        RawHttp.Response plain = hosted.get("/app/ws/echo");
        assertThat(plain.status()).isEqualTo(404);
        assertThat(plain.bodyText()).contains("The sample WAR has no such page"); // <error-page> 404
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            // a version but no Upgrade: through the filter, which finds no handshake and goes on
            RawHttp.Response versionOnly = http.exchange("GET /app/ws/echo HTTP/1.1\r\nHost: x\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            assertThat(versionOnly.status()).isEqualTo(404);
            assertThat(versionOnly.bodyText()).contains("The sample WAR has no such page");
            // a handshake by POST is none (RFC 6455 §4.1): the app's answer (its default servlet allows no POST)
            RawHttp.Response post = http.exchange("POST /app/ws/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 0\r\n\r\n");
            assertThat(post.status()).isEqualTo(405);
        }
        RawHttp.Response hello = hosted.get("/app/hello");
        assertThat(hello.bodyText()).isEqualTo("hello from a WAR");
        assertThat(hello.header("X-Filtered")).contains("yes"); // the app's own filter still runs
    }

    @Test
    void expectContinueIsNotAnsweredWhenTheBodyIsTooLarge() throws Exception {
        Path appDir = app("limited", "-war app.war", Map.of());
        start(TestApps.server(Map.of("/", appDir), new RequestLimits(1000, RequestLimits.DEFAULT_MAX_URL,
                RequestLimits.DEFAULT_MAX_QUERY_STRING), ServerConfig.WebLimits.DEFAULTS));
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            RawHttp.Response r = http.exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            assertThat(r.status()).isEqualTo(413);
        }
        assertThat(hosted.get("/upload").bodyText()).isEqualTo("none"); // the servlet never read (nor failed reading)
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            RawHttp.Response r = http.exchange("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                    + "\r\n0123456789");
            assertThat(r.bodyText()).startsWith("10 ");
        }
    }

    @Test
    void aClientThatGoesAwayFailsTheServletsBlockedRead() throws Exception {
        start(Map.of("/", app("disconnect", "-war app.war", Map.of())));
        assertThat(hosted.get("/upload").bodyText()).isEqualTo("none");
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
            http.send(new byte[10_000]);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> hosted.get("/upload").bodyText().contains("EofException"));

        // a download the client stops reading and abandons: the servlet's blocked write throws
        assertThat(hosted.get("/big-failure").bodyText()).isEqualTo("none");
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            http.send("GET /big?bytes=2000000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(http.readBytes(100)).hasSize(100);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !hosted.get("/big-failure").bodyText().equals("none"));
        assertThat(hosted.get("/big-failure").bodyText()).contains("Exception");
    }

    @Test
    void appOfflineAndWebConfigChangesRecycleAndInFlightRequestsDrain() throws Exception {
        Path appDir = app("recycled", "-war app.war", Map.of());
        start(Map.of("/", appDir));
        assertThat(hosted.get("/hello").status()).isEqualTo(200);

        Files.writeString(appDir.resolve("app_offline.htm"), "<p>back soon</p>");
        await().atMost(Duration.ofSeconds(20)).until(() -> hosted.get("/hello").status() == 503);
        assertThat(hosted.get("/hello").bodyText()).contains("back soon");
        Files.delete(appDir.resolve("app_offline.htm"));
        await().atMost(Duration.ofSeconds(20)).until(() -> hosted.get("/hello").status() == 200);

        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(HttpRequest.newBuilder(uri("/slow?ms=3000"))
                .build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(500)).until(() -> true);
        Path webConfig = appDir.resolve("web.config");
        Files.writeString(webConfig, Files.readString(webConfig).replace("stdoutLogEnabled", "stdoutLogEnabled")
                + "\n<!-- changed -->\n");
        HttpResponse<String> drained = slow.get();
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(drained.body()).isEqualTo("slept");
        await().atMost(Duration.ofSeconds(20)).until(() -> hosted.get("/hello").status() == 200);
    }

    /** POSTs to /echo from one thread while reading the response on this one. */
    RawHttp.Response echo(byte[] body, boolean chunked) throws Exception {
        return echo("/echo", body, chunked);
    }

    RawHttp.Response echo(String path, byte[] body, boolean chunked) throws Exception {
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            http.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n");
            CompletableFuture<Void> sent = threads.run(() -> {
                try {
                    int step = 100_000;
                    for (int off = 0; off < body.length; off += step) {
                        int n = Math.min(step, body.length - off);
                        if (chunked) {
                            http.send(Integer.toHexString(n) + "\r\n");
                        }
                        http.send(java.util.Arrays.copyOfRange(body, off, off + n));
                        if (chunked) {
                            http.send("\r\n");
                        }
                    }
                    if (chunked) {
                        http.send("0\r\n\r\n");
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            RawHttp.Response r = http.readResponse();
            sent.get();
            assertThat(r.status()).isEqualTo(200);
            return r;
        }
    }

    @Test
    void switchingTheHostingModelIsTheOnlyChange() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/in", app("in", "-war app.war", Map.of()));
        apps.put("/out", app("out", "-war app.war", Map.of("hostingModel", "outofprocess", "startupTimeLimit", "60")));
        start(apps);
        String[] paths = {"/hello", "/info/x?q=1", "/", "/static/note.txt", "/nothing-here", "/throw"};
        for (int i = 0; i < paths.length * 5; i++) { // five rounds: a first answer that differs is not luck
            String path = paths[i % paths.length];
            RawHttp.Response in = hosted.get("/in" + path);
            RawHttp.Response out = hosted.get("/out" + path);
            assertThat(in.status()).as(path + " -> " + out.bodyText()).isEqualTo(out.status());
            // In-process the loader is Jetty's WebAppClassLoader as subclassed for the app domain (WarClassLoader).
            assertThat(in.bodyText().replace("contextPath=/in\n", "contextPath=/app\n")
                    .replace("loader=WarClassLoader\n", "loader=WebAppClassLoader\n")).as(path)
                    .isEqualTo(out.bodyText().replace("contextPath=/out\n", "contextPath=/app\n"));
            assertThat(in.header("Content-Type")).as(path).isEqualTo(out.header("Content-Type"));
            assertThat(in.header("X-Filtered")).as(path).isEqualTo(out.header("X-Filtered"));
        }
        byte[] body = new byte[300_000];
        new Random(3).nextBytes(body);
        try (RawHttp http = new RawHttp(hosted.porter().port())) {
            http.send("POST /out/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
            http.send(body);
            assertThat(http.readResponse().bodyText()).isEqualTo(body.length + " " + sha256(body));
        }
    }

    /**
     * A Jersey servlet WAR built from Maven Central (samples/jersey-war): no web.xml, Jersey's
     * ServletContainerInitializer in WEB-INF/lib finds the @ApplicationPath class through @HandlesTypes; resources,
     * {@code @Context HttpServletRequest}, an exception mapper; the same answers out-of-process.
     */
    @Test
    void aJerseyServletWarServesBothWays() throws Exception {
        Path jerseyWar = Path.of(System.getProperty("porter.sample.jersey.war",
                "../samples/jersey-war/target/jersey-war.war"));
        Map<String, Path> apps = new LinkedHashMap<>();
        for (String model : new String[] {"inprocess", "outofprocess"}) {
            Path appDir = dir.resolve("jersey-" + model);
            Files.createDirectories(appDir);
            Files.copy(jerseyWar, appDir.resolve("jersey.war"));
            TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war jersey.war",
                    "hostingModel", model, "startupTimeLimit", "60"), Map.of("ASPNETCORE_ENVIRONMENT", "Development"));
            apps.put("/" + model, appDir);
        }
        start(apps);
        RawHttp.Response hello = hosted.get("/inprocess/api/hello?name=porter");
        assertThat(hello.status()).as(hello.bodyText()).isEqualTo(200);
        assertThat(hello.bodyText()).isEqualTo("hello from Jersey, porter");
        assertThat(hosted.get("/inprocess/api/info").bodyText()).isEqualTo(
                "contextPath=/inprocess\nservletPath=/api\nbaseUri=/inprocess/api/\npath=info\n");
        RawHttp.Response failed = hosted.get("/inprocess/api/fail");
        assertThat(failed.status()).isEqualTo(422);
        assertThat(failed.bodyText()).isEqualTo("rejected: no such thing");
        for (String path : new String[] {"/api/hello?name=x", "/api/info", "/api/fail", "/api/nothing"}) {
            RawHttp.Response in = hosted.get("/inprocess" + path);
            RawHttp.Response out = hosted.get("/outofprocess" + path);
            assertThat(in.status()).as(path + " -> " + out.bodyText()).isEqualTo(out.status());
            assertThat(in.bodyText().replace("/inprocess", "/app")).as(path)
                    .isEqualTo(out.bodyText().replace("/outofprocess", "/app"));
        }
    }

    /** Recycles leave nothing behind: the stopped incarnation's class loader is collected. */
    @Test
    void aRecycledAppsClassLoaderIsCollected() throws Exception {
        Path appDir = app("collected", "-war app.war", Map.of());
        start(Map.of("/", appDir));
        String first = hosted.get("/loader").bodyText();
        @SuppressWarnings("unchecked")
        java.lang.ref.WeakReference<ClassLoader> loader =
                (java.lang.ref.WeakReference<ClassLoader>) System.getProperties().remove("porter.sample.loader");
        assertThat(loader.get()).isNotNull();
        for (int i = 0; i < 3; i++) { // a few recycles, each a new incarnation
            String before = hosted.get("/loader").bodyText();
            System.getProperties().remove("porter.sample.loader");
            Path webConfig = appDir.resolve("web.config");
            Files.writeString(webConfig, Files.readString(webConfig) + "\n<!-- recycle " + i + " -->\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> !hosted.get("/loader").bodyText().equals(before));
            System.getProperties().remove("porter.sample.loader");
        }
        assertThat(hosted.get("/hello").bodyText()).isEqualTo("hello from a WAR");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
        assertThat(first).isNotEmpty();
    }

    static String sha256(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    }

}
