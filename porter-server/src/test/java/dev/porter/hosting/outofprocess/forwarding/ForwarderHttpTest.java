package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the backend receives and what the client gets back, for ordinary requests (spec/ancm-contract.md §1.4). */
class ForwarderHttpTest {

    @TempDir
    Path dir;

    private RecordingBackend backend;
    private ForwardingFixture porter;

    @BeforeEach
    void start() throws Exception {
        backend = new RecordingBackend();
        porter = ForwardingFixture.start(dir, backend.port());
    }

    @AfterEach
    void stop() {
        porter.close();
        backend.close();
    }

    @Test
    void forwardsAGetAndCopiesTheResponse() throws Exception {
        backend.answer(exchange -> {
            backend.record(exchange);
            exchange.getResponseHeaders().add("X-App", "one");
            exchange.getResponseHeaders().add("X-App", "two");
            exchange.getResponseHeaders().add("Server", "Kestrel");
            RecordingBackend.respond(exchange, 201, "created");
        });
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET /hello?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n");
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.reason()).isEqualTo("Created");
            assertThat(r.bodyText()).isEqualTo("created");
            assertThat(r.headers("X-App")).containsExactly("one", "two");
            assertThat(r.headers("Server")).containsExactly("Kestrel");
            assertThat(r.headers("Date")).hasSize(1);
        }
        RecordingBackend.Seen seen = backend.seen.getFirst();
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.rawUri()).isEqualTo("/hello?x=1");
    }

    @Test
    void addsNoServerHeaderAndDropsTheBackendsDateAndKeepAlive() throws Exception {
        try (RawBackend raw = new RawBackend((s, i) -> {
            while (raw(s) != null) {
                RawBackend.write(s, "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 2\r\n"
                        + "Date: Mon, 01 Jan 2001 00:00:00 GMT\r\nKeep-Alive: timeout=5\r\n\r\nhi");
            }
        }); ForwardingFixture rawPorter = ForwardingFixture.start(dir.resolve("raw"), raw.port());
                RawHttp http = new RawHttp(rawPorter.port())) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.reason()).isEqualTo("Fine Thanks");
            assertThat(r.header("Server")).isEmpty();
            assertThat(r.header("Keep-Alive")).isEmpty();
            assertThat(r.headers("Date")).hasSize(1).doesNotContain("Mon, 01 Jan 2001 00:00:00 GMT");
            assertThat(r.bodyText()).isEqualTo("hi");
        }
    }

    private static String raw(java.net.Socket s) throws java.io.IOException {
        return RawBackend.readHead(s.getInputStream());
    }

    @Test
    void headerRulesOfAncm() throws Exception {
        backend.recordAndAnswer("ok");
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: front.example:8080\r\n"
                    + "MS-ASPNETCORE-TOKEN: forged\r\nmS-aspnetcore-: x\r\nMS-ASPNETCORE-CLIENTCERT: forged\r\n"
                    + "ms-aspnetcorefoo: y\r\nMS-ASPNETCORE-WINAUTHTOKEN: 1234\r\n"
                    + "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n"
                    + "Connection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nX-Kept: yes\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
        }
        RecordingBackend.Seen seen = backend.seen.getFirst();
        assertThat(seen.headers().keySet().stream().filter(n -> n.toUpperCase().startsWith("MS-ASPNETCORE")))
                .containsExactly("Ms-aspnetcore-token");
        assertThat(seen.headers("MS-ASPNETCORE-TOKEN")).containsExactly(ForwardingFixture.TOKEN);
        assertThat(seen.header("Host")).isEqualTo("front.example:8080");
        assertThat(seen.headers("X-Forwarded-For")).hasSize(1);
        assertThat(seen.header("X-Forwarded-For")).matches("1\\.2\\.3\\.4, 127\\.0\\.0\\.1:\\d+");
        assertThat(seen.headers("X-Forwarded-Proto")).containsExactly("https, http");
        assertThat(seen.header("X-Kept")).isEqualTo("yes");
        for (String hop : new String[] {"Connection", "X-Hop", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade"}) {
            assertThat(seen.headers(hop)).as(hop).isEmpty();
        }
    }

    @Test
    void xForwardedForIsTheClientAddressWhenNoneWasSent() throws Exception {
        backend.recordAndAnswer("ok");
        try (RawHttp http = new RawHttp(porter.port())) {
            http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            int clientPort = http.socket().getLocalPort();
            RecordingBackend.Seen seen = backend.seen.getFirst();
            assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1:" + clientPort);
            assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
        }
    }

    @Test
    void reEscapesTheCookedPathAndKeepsTheRawQuery() throws Exception {
        backend.recordAndAnswer("ok");
        try (RawHttp http = new RawHttp(porter.port())) {
            http.exchange("GET /Path/%3F%3F?query HTTP/1.1\r\nHost: a\r\n\r\n");
            http.exchange("GET /Query/%3FPath?query? HTTP/1.1\r\nHost: a\r\n\r\n");
            http.exchange("GET /a%20b/%C3%A9/./x/../100%25?q=%20&r=a+b HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        assertThat(backend.seen.get(0).rawUri()).isEqualTo("/Path/%3F%3F?query");
        assertThat(backend.seen.get(0).path()).isEqualTo("/Path/??");
        assertThat(backend.seen.get(0).rawQuery()).isEqualTo("query");
        assertThat(backend.seen.get(1).path()).isEqualTo("/Query/?Path");
        assertThat(backend.seen.get(1).rawQuery()).isEqualTo("query?");
        assertThat(backend.seen.get(2).rawUri()).isEqualTo("/a%20b/%C3%A9/100%25?q=%20&r=a+b");
        assertThat(backend.seen.get(2).path()).isEqualTo("/a b/é/100%");
    }

    @Test
    void anHttp10RequestWithoutHostReachesTheBackendAsHttp11WithTheAddressTheClientUsed() throws Exception {
        backend.recordAndAnswer("ok");
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET /old HTTP/1.0\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("ok");
        }
        assertThat(backend.seen.getFirst().header("Host")).isEqualTo("127.0.0.1:" + porter.port());
    }

    @Test
    void reusesOneBackendConnectionForSequentialRequests() throws Exception {
        backend.recordAndAnswer("ok");
        try (RawHttp http = new RawHttp(porter.port())) {
            for (int i = 0; i < 20; i++) {
                assertThat(http.exchange("GET /" + i + " HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("ok");
            }
        }
        assertThat(backend.seen).hasSize(20);
        assertThat(backend.connections).hasSize(1);
    }

    @Test
    void pipelinedRequestsOfAnyMethodAreForwardedInOrderOverOneBackendConnection() throws Exception {
        backend.answer(exchange -> {
            RecordingBackend.Seen seen = backend.record(exchange);
            RecordingBackend.respond(exchange, 200, seen.method() + " " + seen.rawUri() + " "
                    + new String(seen.body(), StandardCharsets.UTF_8));
        });
        try (RawHttp http = new RawHttp(porter.port())) {
            http.send("PATCH /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "DELETE /2 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "PURGE /3?x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(http.readResponse().bodyText()).isEqualTo("PATCH /1 abc");
            assertThat(http.readResponse().bodyText()).isEqualTo("DELETE /2 ");
            assertThat(http.readResponse().bodyText()).isEqualTo("PURGE /3?x ");
        }
        assertThat(backend.connections).hasSize(1);
    }

    @Test
    void forwardsAPostBodyWithItsContentLength() throws Exception {
        backend.recordAndAnswer("got it");
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n"
                    + "Content-Type: text/plain\r\n\r\nhello world");
            assertThat(r.bodyText()).isEqualTo("got it");
        }
        RecordingBackend.Seen seen = backend.seen.getFirst();
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(new String(seen.body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
        assertThat(seen.header("Content-Length")).isEqualTo("11");
        assertThat(seen.header("Content-Type")).isEqualTo("text/plain");
    }

    @Test
    void reChunksAChunkedRequestAndAChunkedResponse() throws Exception {
        backend.answer(exchange -> {
            RecordingBackend.Seen seen = backend.record(exchange);
            exchange.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("echo:".getBytes(StandardCharsets.UTF_8));
                out.flush();
                out.write(seen.body());
            }
        });
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Transfer-Encoding")).contains("chunked");
            assertThat(r.bodyText()).isEqualTo("echo:hello world");
            // the connection is still good for the next request
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        RecordingBackend.Seen seen = backend.seen.getFirst();
        assertThat(seen.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
        assertThat(seen.header("Content-Length")).isNull();
    }

    @Test
    void headResponseHasNoBodyAndTheConnectionStaysInSync() throws Exception {
        backend.answer(exchange -> {
            backend.record(exchange);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().add("Content-Length", "1234");
                exchange.sendResponseHeaders(200, -1);
            } else {
                RecordingBackend.respond(exchange, 200, "body");
            }
        });
        try (RawHttp http = new RawHttp(porter.port())) {
            http.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response head = http.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).contains("1234");
            RawHttp.Response get = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(get.bodyText()).isEqualTo("body");
        }
        assertThat(backend.seen.getFirst().method()).isEqualTo("HEAD");
        assertThat(backend.connections).hasSize(1);
    }

    @Test
    void refusedConnectionIs502Point3() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (ForwardingFixture refused = ForwardingFixture.start(dir.resolve("refused"), closedPort,
                new ForwardingOptions(Duration.ofSeconds(10), false, true));
                RawHttp http = new RawHttp(refused.port())) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(r.bodyText()).contains("HTTP Error 502.3 - Bad Gateway").contains("0x80072efd");
            // the client connection is still usable
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(10)).until(() -> refused.forwarder.inFlight() == 0);
        }
    }
}
