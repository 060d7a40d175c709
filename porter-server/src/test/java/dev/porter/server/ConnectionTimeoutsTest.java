package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.EchoHosting;
import dev.porter.testing.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * webLimits headerWaitTimeout (a head that comes too slowly: 408 and close) and connectionTimeout (an idle connection
 * is closed silently), with short timeouts so the suite stays fast.
 */
class ConnectionTimeoutsTest {

    private static final Duration IDLE = Duration.ofMillis(600);
    private static final Duration HEADER_WAIT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private TestFront front;

    @BeforeEach
    void start() {
        front = TestFront.start(dir, new EchoHosting(), RequestLimits.DEFAULTS,
                new ServerConfig.WebLimits(IDLE, HEADER_WAIT, 16384), null);
    }

    @AfterEach
    void stop() {
        front.close();
    }

    @Test
    void answers408AndClosesWhenTheHeadIsNotCompleteInTime() throws Exception {
        try (RawHttp http = front.connect()) {
            long start = System.nanoTime();
            http.send("GET / HTTP/1.1\r\nHost: a\r\n");
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("Connection")).contains("close");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(HEADER_WAIT);
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answers408ToAClientThatTricklesItsHead() throws Exception {
        try (RawHttp http = front.connect()) {
            String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "s".repeat(100) + "\r\n\r\n";
            RawHttp.Response[] response = new RawHttp.Response[1];
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    response[0] = http.readResponse();
                } catch (java.io.IOException e) {
                    // asserted below
                }
            });
            try {
                for (char c : head.toCharArray()) { // one byte every 20 ms: ~2.5 s in all, over the 300 ms budget
                    http.send(String.valueOf(c));
                    Thread.sleep(20); // the slow client is the behaviour under test
                    if (!reader.isAlive()) {
                        break;
                    }
                }
            } catch (java.io.IOException closed) {
                // the server closed on us: expected
            }
            reader.join(Duration.ofSeconds(10));
            assertThat(response[0]).isNotNull();
            assertThat(response[0].status()).isEqualTo(408);
        }
    }

    @Test
    void answers408WhenAPipelinedHeadStopsHalfWay() throws Exception {
        try (RawHttp http = front.connect()) {
            http.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHo");
            assertThat(http.readResponse().status()).isEqualTo(200);
            RawHttp.Response r = http.readResponse(); // the idle timeout would close without a word
            assertThat(r.status()).isEqualTo(408);
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answers408WhenTheRequestBodyStalls() throws Exception {
        try (RawHttp http = front.connect()) {
            long start = System.nanoTime();
            http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.bodyText()).contains("connectionTimeout");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(IDLE.minusMillis(50));
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void cutsOffAnExchangeWhoseBodyStallsAfterTheResponseStarted() throws Exception {
        front.close();
        java.util.concurrent.atomic.AtomicInteger aborts = new java.util.concurrent.atomic.AtomicInteger();
        front = TestFront.start(dir.resolve("streaming"), new dev.porter.testing.HandlerHosting(exchange -> {
            exchange.onAbort(aborts::incrementAndGet);
            exchange.writeHead(new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK));
            exchange.flush();
            exchange.receiveBody(content -> content.release());
        }), RequestLimits.DEFAULTS, new ServerConfig.WebLimits(IDLE, HEADER_WAIT, 16384), null);
        try (RawHttp http = front.connect()) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
            String raw = new String(http.readUntilClose(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("408").doesNotEndWith("0\r\n\r\n");
            assertThat(aborts.get()).isEqualTo(1);
        }
    }

    @Test
    void doesNotCountTheTimeTheHandlerHeldTheBodyBackAsAStall() throws Exception {
        front.close();
        // a longer connectionTimeout than the class's: the client's part (send the rest when the application reads
        // again) must fit in it on a loaded machine
        Duration patient = Duration.ofSeconds(2);
        java.util.concurrent.CountDownLatch resumed = new java.util.concurrent.CountDownLatch(1);
        front = TestFront.start(dir.resolve("paused"), new dev.porter.testing.HandlerHosting(exchange -> {
            StringBuilder body = new StringBuilder();
            exchange.receiveBody(content -> {
                body.append(content.content().toString(java.nio.charset.StandardCharsets.US_ASCII));
                boolean last = content instanceof io.netty.handler.codec.http.LastHttpContent;
                content.release();
                if (last) {
                    exchange.respond(io.netty.handler.codec.http.HttpResponseStatus.OK, null,
                            body.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            });
            exchange.pauseBody(); // a busy application: reads again after one and a half connection timeouts
            exchange.eventLoop().schedule(() -> {
                exchange.resumeBody();
                resumed.countDown();
            }, patient.toMillis() * 3 / 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        }), RequestLimits.DEFAULTS, new ServerConfig.WebLimits(patient, HEADER_WAIT, 16384), null);
        try (RawHttp http = front.connect()) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc");
            // the rest once the application reads again: the client has a whole connectionTimeout from there
            assertThat(resumed.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            http.send("def");
            assertThat(http.readResponse().bodyText()).isEqualTo("abcdef");
        }
    }

    @Test
    void closesAnIdleKeepAliveConnectionSilentlyAfterConnectionTimeout() throws Exception {
        try (RawHttp http = front.connect()) {
            long start = System.nanoTime(); // the idle clock starts after the response: not before this
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
            assertThat(http.readUntilClose()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not before connectionTimeout; a failure guard")
                    .isGreaterThanOrEqualTo(IDLE.minusMillis(50)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void closesAConnectionThatNeverSendsAnything() throws Exception {
        try (RawHttp http = front.connect()) {
            assertThat(http.readUntilClose()).isEmpty();
        }
    }

    @Test
    void doesNotTimeOutARequestWhileTheApplicationAnswers() throws Exception {
        front.close();
        front = TestFront.start(dir.resolve("slow"), new dev.porter.testing.HandlerHosting(exchange ->
                exchange.eventLoop().schedule(() -> exchange.respond(io.netty.handler.codec.http.HttpResponseStatus.OK,
                        null, "late".getBytes()), IDLE.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS)),
                RequestLimits.DEFAULTS, new ServerConfig.WebLimits(IDLE, HEADER_WAIT, 16384), null);
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("late");
        }
    }
}
