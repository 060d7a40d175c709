package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.EchoHosting;
import dev.porter.testing.HandlerHosting;
import dev.porter.testing.RawHttp;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * requestLimits (IIS defaults, server-wide, narrowed by an app's web.config) and the head size limit
 * (webLimits maxRequestBytes): 413, 414, 431, each naming the limit, before anything reaches the application.
 */
class RequestLimitsTest {

    @TempDir
    Path dir;

    private TestFront front;

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
    }

    private TestFront defaults() {
        front = TestFront.start(dir, new EchoHosting());
        return front;
    }

    private static RawHttp.Response get(TestFront front, String target) throws Exception {
        try (RawHttp http = front.connect()) {
            return http.exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
        }
    }

    @Test
    void acceptsAUrlOfExactlyMaxUrlAndRefusesOneLongerWith414() throws Exception {
        defaults();
        String atLimit = "/" + "a".repeat(RequestLimits.DEFAULT_MAX_URL - 1);
        assertThat(get(front, atLimit).status()).isEqualTo(200);
        RawHttp.Response r = get(front, atLimit + "a");
        assertThat(r.status()).isEqualTo(414);
        assertThat(r.bodyText()).contains("maxUrl").contains("4096").contains("4097");
    }

    @Test
    void acceptsAQueryOfExactlyMaxQueryStringAndRefusesOneLongerWith414() throws Exception {
        defaults();
        String atLimit = "/?" + "q".repeat(RequestLimits.DEFAULT_MAX_QUERY_STRING);
        assertThat(get(front, atLimit).status()).isEqualTo(200);
        RawHttp.Response r = get(front, atLimit + "q");
        assertThat(r.status()).isEqualTo(414);
        assertThat(r.bodyText()).contains("maxQueryString").contains("2048");
    }

    @Test
    void refusesADeclaredBodyOverMaxAllowedContentLengthWith413() throws Exception {
        defaults();
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30000001\r\n\r\n");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).contains("maxAllowedContentLength").contains("30000000");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void refusesHeadersOverMaxRequestBytesWith431() throws Exception {
        defaults();
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(17_000)
                    + "\r\n\r\n");
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.bodyText()).contains("maxRequestBytes");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void countsTheRequestLineAndTheHeadersTogetherAgainstMaxRequestBytes() throws Exception {
        defaults();
        try (RawHttp http = front.connect()) {
            // Each part alone is under 16384 bytes; together they are not (http.sys counts the whole head).
            RawHttp.Response r = http.exchange("GET /?" + "q".repeat(9000) + " HTTP/1.1\r\nHost: a\r\nX: "
                    + "b".repeat(9000) + "\r\n\r\n");
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.bodyText()).contains("maxRequestBytes").contains("the limit is 16384");
        }
    }

    @Test
    void honoursAConfiguredMaxRequestBytes() throws Exception {
        front = TestFront.start(dir, new EchoHosting(), RequestLimits.DEFAULTS,
                new ServerConfig.WebLimits(ServerConfig.WebLimits.DEFAULTS.connectionTimeout(),
                        ServerConfig.WebLimits.DEFAULTS.headerWaitTimeout(), 2048), null);
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(1500) + "\r\n\r\n").status())
                    .isEqualTo(200);
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(2100) + "\r\n\r\n").status())
                    .isEqualTo(431);
        }
    }

    @Test
    void honoursNarrowerServerWideLimits() throws Exception {
        front = TestFront.start(dir, new EchoHosting(), new RequestLimits(10, 20, 5),
                ServerConfig.WebLimits.DEFAULTS, null);
        assertThat(get(front, "/" + "a".repeat(20)).status()).isEqualTo(414);
        assertThat(get(front, "/?123456").status()).isEqualTo(414);
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n01234567890")
                    .status()).isEqualTo(413);
        }
    }

    @Test
    void letsAnApplicationsWebConfigNarrowTheLimitsForThatApplicationOnly() throws Exception {
        front = TestFront.start(dir, new EchoHosting(), RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS,
                "maxAllowedContentLength=\"10\" maxUrl=\"12\" maxQueryString=\"3\"");
        // /api's web.config is read when the application is registered: its limits apply from its first request
        // (before: the first request was checked against the server's limits only).
        assertThat(get(front, "/api/abcdefgh").status()).isEqualTo(414);
        assertThat(get(front, "/api").status()).isEqualTo(200);
        assertThat(get(front, "/api?abcd").status()).isEqualTo(414);
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
                    + "01234567890");
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).contains("limit (requestLimits maxAllowedContentLength) is 10.");
        }
        // the root application keeps the server's limits
        assertThat(get(front, "/abcdefghijklmnop?abcd").status()).isEqualTo(200);
    }

    @Test
    void refusesAChunkedBodyThatGrowsPastTheLimitWith413() throws Exception {
        front = TestFront.start(dir, new EchoHosting(), new RequestLimits(10, 4096, 2048),
                ServerConfig.WebLimits.DEFAULTS, null);
        try (RawHttp http = front.connect()) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n");
            http.send("6\r\nghijkl\r\n0\r\n\r\n");
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).contains("maxAllowedContentLength");
            assertThat(http.isClosedByServer()).isTrue();
        }
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n");
            assertThat(r.bodyText()).endsWith("abcdefghij"); // exactly the limit is fine
        }
    }

    @Test
    void closesTheConnectionWhenAChunkedBodyOutgrowsTheLimitAfterTheResponseStarted() throws Exception {
        AtomicInteger aborts = new AtomicInteger();
        front = TestFront.start(dir, new HandlerHosting(exchange -> {
            exchange.onAbort(aborts::incrementAndGet);
            exchange.writeHead(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
            exchange.flush();
            exchange.receiveBody(content -> content.release());
        }), new RequestLimits(10, 4096, 2048), ServerConfig.WebLimits.DEFAULTS, null);
        try (RawHttp http = front.connect()) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            String head = new String(http.readBytes(17), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 200 OK\r\n");
            http.send("6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
            String rest = new String(http.readUntilClose(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(rest).doesNotContain("413").doesNotEndWith("0\r\n\r\n"); // cut off, never completed
            assertThat(aborts.get()).isEqualTo(1);
        }
    }
}
