package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.EchoHosting;
import dev.porter.testing.HandlerHosting;
import dev.porter.testing.RawHttp;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The front server's HTTP/1.1 and 1.0 behaviour, against a real server on a loopback port, with raw sockets. */
class FrontServerTest {

    @TempDir
    Path dir;

    private TestFront front;

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
    }

    private TestFront echo() {
        front = TestFront.start(dir, new EchoHosting());
        return front;
    }

    private TestFront with(HandlerHosting hosting) {
        front = TestFront.start(dir, hosting);
        return front;
    }

    /** Streams "a", "b", "c" as separate chunks after a head without Content-Length. */
    private static HandlerHosting abcStreamer() {
        return new HandlerHosting(exchange -> {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            exchange.writeHead(head);
            for (String s : new String[] {"a", "b", "c"}) {
                exchange.writeContent(new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII)),
                        true);
            }
            exchange.writeContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
        });
    }

    @Test
    void routesToTheLongestApplicationPrefixOnASegmentBoundary() throws Exception {
        try (RawHttp http = echo().connect()) {
            assertThat(http.exchange("GET /api/x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n").bodyText())
                    .isEqualTo("GET /api/x y=1\n/api\n");
            assertThat(http.exchange("GET /API HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).endsWith("\n/api\n");
            assertThat(http.exchange("GET /apiary HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).endsWith("\n/\n");
        }
    }

    @Test
    void keepsAnHttp11ConnectionAliveAcrossRequests() throws Exception {
        try (RawHttp http = echo().connect()) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = http.exchange("GET /" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("Connection")).isEmpty();
                assertThat(r.header("Date")).isPresent();
                assertThat(r.bodyText()).startsWith("GET /" + i + " ");
            }
        }
    }

    @Test
    void refusesContentLengthWithTransferEncodingAndCloses() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answersPipelinedRequestsInOrderOnOneConnection() throws Exception {
        try (RawHttp http = echo().connect()) {
            http.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /api/3 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(http.readResponse().bodyText()).startsWith("GET /1 ");
            assertThat(http.readResponse().bodyText()).isEqualTo("POST /2 -\n/\nabc");
            assertThat(http.readResponse().bodyText()).startsWith("GET /api/3 ");
        }
    }

    @Test
    void answersAFloodOfPipelinedRequestsWithBodiesInOrder() throws Exception {
        StringBuilder flood = new StringBuilder();
        int n = 500;
        for (int i = 0; i < n; i++) {
            flood.append(i % 2 == 0 ? "GET /" + i + " HTTP/1.1\r\nHost: a\r\n\r\n"
                    : "POST /" + i + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "4\r\nbody\r\n0\r\n\r\n");
        }
        try (RawHttp http = echo().connect()) {
            http.send(flood.toString());
            for (int i = 0; i < n; i++) {
                assertThat(http.readResponse().bodyText()).isEqualTo(i % 2 == 0 ? "GET /" + i + " -\n/\n"
                        : "POST /" + i + " -\n/\nbody");
            }
        }
    }

    @Test
    void answersPipelinedRequestsInOrderEvenWhenTheFirstAnswerIsSlower() throws Exception {
        with(new HandlerHosting(exchange -> {
            String path = exchange.target().cookedPath();
            Runnable answer = () -> exchange.respond(HttpResponseStatus.OK, "text/plain",
                    path.getBytes(StandardCharsets.US_ASCII));
            if (path.equals("/slow")) {
                exchange.eventLoop().schedule(answer, 200, TimeUnit.MILLISECONDS);
            } else {
                answer.run();
            }
        }));
        try (RawHttp http = front.connect()) {
            http.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "HEAD /head HTTP/1.1\r\nHost: a\r\n\r\nGET /last HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(http.readResponse().bodyText()).isEqualTo("/slow");
            assertThat(http.readResponse().bodyText()).isEqualTo("/fast");
            RawHttp.Response head = http.readResponse(true);
            assertThat(head.header("Content-Length")).contains("5");
            assertThat(http.readResponse().bodyText()).isEqualTo("/last");
        }
    }

    @Test
    void deliversAChunkedRequestBodyDechunked() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response r = http.exchange("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n1;ext=x\r\n \r\n5\r\nworld\r\n0\r\nTrailer: t\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("POST /up -\n/\nhello world");
            // and the connection is still good
            assertThat(http.exchange("GET /next HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
    }

    @Test
    void sendsAStreamedResponseChunkedToHttp11Clients() throws Exception {
        try (RawHttp http = with(abcStreamer()).connect()) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.header("Transfer-Encoding")).contains("chunked");
            assertThat(r.header("Content-Length")).isEmpty();
            assertThat(r.bodyText()).isEqualTo("abc");
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("abc");
        }
    }

    @Test
    void sendsAStreamedResponseCloseDelimitedToHttp10Clients() throws Exception {
        try (RawHttp http = with(abcStreamer()).connect()) {
            http.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            String raw = new String(http.readUntilClose(), StandardCharsets.ISO_8859_1);
            assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(raw.toLowerCase()).contains("connection: close\r\n").doesNotContain("transfer-encoding")
                    .doesNotContain("content-length");
            assertThat(raw).endsWith("\r\n\r\nabc");
        }
    }

    @Test
    void keepsAnHttp10ConnectionAliveWhenAskedTo() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response first = http.exchange("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(first.header("Connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase(
                    "keep-alive"));
            RawHttp.Response second = http.exchange("GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertThat(second.bodyText()).startsWith("GET /2 ");
        }
    }

    @Test
    void closesAnHttp10ConnectionByDefault() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response r = http.exchange("GET /1 HTTP/1.0\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void closesWhenTheClientSaysConnectionClose() throws Exception {
        try (RawHttp http = echo().connect()) {
            http.send("GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response r = http.readResponse();
            assertThat(r.bodyText()).startsWith("GET /1 ");
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue(); // /2 is never answered
        }
    }

    @Test
    void closesWhenTheApplicationSaysConnectionClose() throws Exception {
        with(new HandlerHosting(exchange -> {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONNECTION, "close").setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
            exchange.writeHead(head);
            exchange.writeContent(new DefaultLastHttpContent(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII)),
                    true);
        }));
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.bodyText()).isEqualTo("ok");
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answersHeadWithTheHeadersOfGetAndNoBody() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response get = http.exchange("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
            http.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response head = http.readResponse(true);
            assertThat(head.status()).isEqualTo(200);
            // The echo body names the method, so the lengths differ by "HEAD" vs "GET".
            assertThat(head.header("Content-Length")).contains(String.valueOf(get.body().length + 1));
            assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
            // No body bytes followed: the next response parses.
            assertThat(http.exchange("GET /y HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).startsWith("GET /y ");
        }
    }

    @Test
    void answersHeadToAStreamingHandlerWithChunkedFramingButNoBody() throws Exception {
        try (RawHttp http = with(abcStreamer()).connect()) {
            http.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response head = http.readResponse(true);
            assertThat(head.header("Transfer-Encoding")).contains("chunked");
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("abc");
        }
    }

    @Test
    void sends100ContinueWhenTheApplicationReadsTheBody() throws Exception {
        try (RawHttp http = echo().connect()) {
            http.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response interim = http.readNextResponse(false);
            assertThat(interim.status()).isEqualTo(100);
            http.send("hello");
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("POST /up -\n/\nhello");
        }
    }

    @Test
    void neverSends100ContinueWhenTheApplicationAnswersFirst() throws Exception {
        try (RawHttp http = with(HandlerHosting.earlyResponder(HttpResponseStatus.FORBIDDEN)).connect()) {
            http.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response r = http.readNextResponse(false);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Connection")).contains("close"); // the body was never read
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answers413Not100WhenTheDeclaredBodyIsOverTheLimit() throws Exception {
        try (RawHttp http = echo().connect()) {
            http.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 30000001\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response r = http.readNextResponse(false);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.bodyText()).contains("maxAllowedContentLength").contains("30000000");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answers417ForAnyOtherExpectation() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response r = http.exchange("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                    + "Expect: the-unexpected\r\n\r\n");
            assertThat(r.status()).isEqualTo(417);
            assertThat(r.bodyText()).contains("the-unexpected");
        }
    }

    @Test
    void deliversTheEarlyResponseToAnUploadBeforeClosing() throws Exception {
        with(HandlerHosting.earlyResponder(HttpResponseStatus.FORBIDDEN));
        try (RawHttp http = front.connect()) {
            http.send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 4000000\r\n\r\n");
            // The client sends all it declared before it looks at the answer, as simple clients do. The server
            // answered at once; it must read and discard the rest (lingering close) rather than close with unread
            // input, which resets the connection under the client's feet.
            java.util.concurrent.atomic.AtomicReference<Exception> sendFailure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = Thread.ofVirtual().start(() -> {
                byte[] block = new byte[40_000];
                try {
                    for (int i = 0; i < 100; i++) {
                        http.send(block);
                    }
                } catch (java.io.IOException e) {
                    sendFailure.set(e);
                }
            });
            writer.join(Duration.ofSeconds(20));
            assertThat(sendFailure.get()).as("the upload was not cut off by a reset").isNull();
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.bodyText()).isEqualTo("early 403");
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answers500WhenTheHandlerThrowsAndKeepsServing() throws Exception {
        with(new HandlerHosting(exchange -> {
            if (exchange.target().cookedPath().equals("/boom")) {
                throw new IllegalStateException("boom");
            }
            exchange.respond(HttpResponseStatus.OK, null, new byte[0]);
        }));
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("GET /boom HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(500);
            assertThat(http.exchange("GET /fine HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
    }

    @Test
    void answersAFullResponseWithoutContentLengthSelfDelimited() throws Exception {
        with(new HandlerHosting(exchange -> exchange.respond(new io.netty.handler.codec.http.DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer("body", StandardCharsets.UTF_8)))));
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.header("Content-Length")).contains("4");
            assertThat(r.bodyText()).isEqualTo("body");
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("body");
        }
    }

    @Test
    void closesTheConnectionWhenTheApplicationBreaksItsOwnContentLength() throws Exception {
        with(new HandlerHosting(exchange -> {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
            head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 10);
            exchange.writeHead(head);
            exchange.writeContent(new DefaultLastHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)),
                    true);
        }));
        try (RawHttp http = front.connect()) {
            http.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            String raw = new String(http.readUntilClose(), StandardCharsets.ISO_8859_1);
            assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nabc");
        }
    }

    @Test
    void answersUnsupportedVersionsWith505() throws Exception {
        try (RawHttp http = echo().connect()) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.2\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(505);
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void streamsADownloadOnlyAsFastAsTheClientReads() throws Exception {
        AtomicInteger pauses = new AtomicInteger();
        int chunks = 256;
        int chunkSize = 64 * 1024; // 16 MiB: far more than the socket buffers hold
        with(HandlerHosting.streamingWriter(chunks, chunkSize, pauses));
        try (RawHttp http = front.connect()) {
            http.socket().setReceiveBufferSize(64 * 1024);
            http.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> pauses.get() > 0);
            RawHttp.Response r = http.readResponse();
            assertThat(r.body()).hasSize(chunks * chunkSize);
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").body()).hasSize(chunks * chunkSize);
        }
    }
}
