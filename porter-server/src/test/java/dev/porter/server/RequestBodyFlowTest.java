package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.HandlerHosting;
import dev.porter.testing.RawHttp;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request body's flow control ({@link Exchange#pauseBody}/{@link Exchange#resumeBody}: the server stops reading,
 * the client's sends block, nothing is delivered while paused) and the abort contract ({@link Exchange#onAbort} runs
 * exactly once when the client goes away mid-body).
 */
class RequestBodyFlowTest {

    @TempDir
    Path dir;

    private TestFront front;

    @AfterEach
    void stop() {
        if (front != null) {
            front.close();
        }
    }

    @Test
    void pausingTheBodyStopsReadingFromTheClientUntilResumed() throws Exception {
        long total = 24L * 1024 * 1024; // under maxAllowedContentLength
        AtomicLong delivered = new AtomicLong();
        AtomicBoolean paused = new AtomicBoolean();
        AtomicBoolean pausedOnce = new AtomicBoolean();
        AtomicBoolean deliveredWhilePaused = new AtomicBoolean();
        AtomicReference<Exchange> slow = new AtomicReference<>();
        front = TestFront.start(dir, new HandlerHosting(exchange -> {
            slow.set(exchange);
            exchange.receiveBody(content -> {
                if (paused.get()) {
                    deliveredWhilePaused.set(true);
                }
                delivered.addAndGet(content.content().readableBytes());
                boolean last = content instanceof LastHttpContent;
                content.release();
                if (last) {
                    exchange.respond(HttpResponseStatus.OK, null,
                            String.valueOf(delivered.get()).getBytes(StandardCharsets.US_ASCII));
                } else if (delivered.get() >= 1024 * 1024 && !pausedOnce.getAndSet(true)) {
                    paused.set(true); // a slow reader: stop after the first MiB
                    exchange.pauseBody();
                }
            });
        }));
        try (RawHttp http = front.connect()) {
            http.socket().setSendBufferSize(64 * 1024);
            http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + total + "\r\n\r\n");
            AtomicLong sent = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                byte[] block = new byte[64 * 1024];
                try {
                    while (sent.get() < total) {
                        http.send(block);
                        sent.addAndGet(block.length);
                    }
                } catch (java.io.IOException e) {
                    // reported by the assertions below
                }
            });
            await().atMost(Duration.ofSeconds(20)).untilTrue(paused);
            // The client's sends stall: the kernel buffers fill up because the server does not read.
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                long now = sent.get();
                boolean stable = now == last[0];
                last[0] = now;
                return stable;
            });
            // Held back: the writer is blocked with the body unfinished. Not "less than half of it": how much the
            // kernel takes in before the sends stall is up to its buffer autotuning (tcp_rmem's maximum is 32 MiB on
            // a stock Linux), not Porter; a server that went on reading into memory would take all 24 MiB at once.
            assertThat(sent.get()).as("bytes the client could send while the body was paused").isLessThan(total);
            assertThat(writer.isAlive()).as("the client's writer, blocked in a send").isTrue();
            assertThat(deliveredWhilePaused).isFalse();
            Exchange exchange = slow.get();
            exchange.eventLoop().execute(() -> {
                paused.set(false);
                exchange.resumeBody();
            });
            RawHttp.Response r = http.readResponse();
            writer.join(Duration.ofSeconds(20));
            assertThat(r.bodyText()).isEqualTo(String.valueOf(total));
            assertThat(deliveredWhilePaused).isFalse();
        }
    }

    @Test
    void runsOnAbortExactlyOnceWhenTheClientGoesAwayMidBody() throws Exception {
        AtomicInteger aborts = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        AtomicReference<Exchange> seen = new AtomicReference<>();
        front = TestFront.start(dir, new HandlerHosting(exchange -> {
            seen.set(exchange);
            exchange.onAbort(aborts::incrementAndGet);
            exchange.onAbort(aborts::incrementAndGet);
            exchange.receiveBody(content -> {
                received.addAndGet(content.content().readableBytes());
                content.release();
            });
        }));
        try (RawHttp http = front.connect()) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(300));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.get() == 300);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> aborts.get() == 2); // two listeners, each once
        Exchange exchange = seen.get();
        AtomicBoolean lateListenerRan = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        exchange.eventLoop().execute(() -> {
            exchange.abort(); // already aborted: nothing more
            exchange.respond(HttpResponseStatus.OK, null, new byte[1]); // dropped and released
            exchange.onAbort(() -> lateListenerRan.set(true)); // runs at once: it was aborted
            done.set(exchange.isAborted() && exchange.isDone());
        });
        await().atMost(Duration.ofSeconds(10)).untilTrue(done);
        assertThat(lateListenerRan).isTrue();
        assertThat(aborts.get()).isEqualTo(2);
    }

    @Test
    void neverRunsOnAbortForACompletedExchange() throws Exception {
        AtomicInteger aborts = new AtomicInteger();
        front = TestFront.start(dir, new HandlerHosting(exchange -> {
            exchange.onAbort(aborts::incrementAndGet);
            exchange.respond(HttpResponseStatus.OK, null, new byte[0]); // synchronously, inside handle()
        }));
        try (RawHttp http = front.connect()) {
            for (int i = 0; i < 3; i++) {
                assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
            }
        }
        assertThat(aborts.get()).isZero();
    }

    @Test
    void holdsTheBodyUntilTheHandlerAsksForIt() throws Exception {
        front = TestFront.start(dir, new HandlerHosting(exchange ->
                // The receiver comes later, as with a forwarder that first connects to its backend.
                exchange.eventLoop().schedule(() -> {
                    StringBuilder body = new StringBuilder();
                    exchange.receiveBody(content -> {
                        body.append(content.content().toString(StandardCharsets.US_ASCII));
                        boolean last = content instanceof LastHttpContent;
                        content.release();
                        if (last) {
                            exchange.respond(HttpResponseStatus.OK, null,
                                    body.toString().getBytes(StandardCharsets.US_ASCII));
                        }
                    });
                }, 100, java.util.concurrent.TimeUnit.MILLISECONDS)));
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n").bodyText()).isEqualTo("abcdef");
        }
    }
}
