package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Forwarding errors (spec/ancm-contract.md §1.5): 502.3 before the head, an aborted client after it. */
class ForwarderFailureTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @TempDir
    Path dir;

    private static ForwardingOptions timeout(Duration d) {
        return new ForwardingOptions(d, false, true);
    }

    /** A backend that answers every request on its connection with 200 and the body. */
    private static void answerAll(RawBackend backend, Socket s, String body) throws IOException {
        while (backend.readHead(s) != null) {
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        }
    }

    @Test
    void requestTimeoutIs502Point3AndTheBackendConnectionIsDiscarded() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            ref[0].awaitPeerClose(s); // silent
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(), timeout(Duration.ofMillis(800)));
                RawHttp http = new RawHttp(porter.port())) {
            long start = System.nanoTime();
            RawHttp.Response r = http.exchange(GET);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("HTTP Error 502.3 - Bad Gateway").contains("0x80072ee2");
            assertThat(tookMillis).isGreaterThanOrEqualTo(700);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void requestTimeoutCountsSilenceBetweenBytesNotTotalTime() throws Exception {
        try (RawBackend backend = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int n = 0; n < 8; n++) {
                // each gap well under the timeout (by more than a loaded machine's hiccup), the total well over it
                Thread.sleep(500);
                RawBackend.write(s, "1\r\nx\r\n");
            }
            RawBackend.write(s, "0\r\n\r\n");
            s.getInputStream().read();
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(), timeout(Duration.ofMillis(2000)));
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("xxxxxxxx");
        }
    }

    @Test
    void aZeroRequestTimeoutMeansNoLimit() throws Exception {
        try (RawBackend backend = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            Thread.sleep(300); // a slow answer, which no zero-length limit may cut off
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
            s.getInputStream().read();
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(), timeout(Duration.ZERO));
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("slow");
        }
    }

    @Test
    void garbageIs502Point3AndTheClientConnectionStaysUsable() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            if (i == 0) {
                ref[0].readHead(s);
                RawBackend.write(s, "garbage garbage garbage\r\n\r\n");
                ref[0].awaitPeerClose(s);
            } else {
                answerAll(ref[0], s, "fine");
            }
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response bad = http.exchange(GET);
            assertThat(bad.status()).isEqualTo(502);
            assertThat(bad.bodyText()).contains("HTTP Error 502.3 - Bad Gateway").contains("0x80072f78");
            RawHttp.Response good = http.exchange(GET);
            assertThat(good.status()).isEqualTo(200);
            assertThat(good.bodyText()).isEqualTo("fine");
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
        }
    }

    @Test
    void closeWithoutAResponseIs502Point3() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> ref[0].readHead(s));
                ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("0x80072efe");
            assertThat(backend.accepted.get()).as("a fresh connection is never retried").isEqualTo(1);
        }
    }

    @Test
    void resetIs502Point3() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            s.setSoLinger(true, 0);
            s.close(); // RST
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("HTTP Error 502.3 - Bad Gateway");
        }
    }

    @Test
    void earlyCloseAfterTheHeadAbortsTheClientConnection() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).contains("100");
            assertThat(r.bodyText()).isEqualTo("0123456789"); // then the connection ended
            assertThat(http.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void aCloseDelimitedResponseIsCompleteAndReChunkedForTheClient() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Transfer-Encoding")).contains("chunked");
            assertThat(r.bodyText()).isEqualTo("until the end");
            assertThat(http.exchange(GET).bodyText()).as("a new backend connection").isEqualTo("until the end");
            assertThat(backend.accepted.get()).isEqualTo(2);
        }
    }

    @Test
    void clientDisconnectMidResponseClosesTheBackendConnection() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port())) {
            try (RawHttp http = new RawHttp(porter.port())) {
                http.send(GET);
                StreamingReads.readUntil(http.socket().getInputStream(), "first");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void clientDisconnectMidUploadClosesTheBackendConnection() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port())) {
            try (RawHttp http = new RawHttp(porter.port())) {
                http.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly ten b");
                await().atMost(Duration.ofSeconds(10)).until(() -> backend.heads.size() == 1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void aPooledConnectionTheBackendClosedWhileIdleIsNotReused() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            if (i == 0) {
                ref[0].readHead(s);
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nconn");
                // Ends its side after one response, without saying so: Kestrel's idle keep-alive timeout. Only the
                // sending side, so that the backend sees when Porter has closed the connection too (and so holds it
                // no longer as one to reuse).
                s.shutdownOutput();
                ref[0].awaitPeerClose(s);
                return;
            }
            answerAll(ref[0], s, "conn");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange(GET).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            // a POST is never retried, so it only succeeds if the closed connection was not handed out
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(backend.accepted.get()).isEqualTo(2);
            // the POST's connection went back to the pool (before the client saw the response end): the next
            // request reuses it rather than opening a third
            assertThat(http.exchange(GET).status()).isEqualTo(200);
            assertThat(backend.accepted.get()).isEqualTo(2);
            assertThat(backend.failures).isEmpty();
        }
    }

    @Test
    void aBackendKilledUnderLoadCostsOnlyRequestsInFlightAndNothingHangs() throws Exception {
        RecordingBackend backend = new RecordingBackend().recordAndAnswer("ok");
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger afterStop = new AtomicInteger();
        List<Integer> wrongAfterStop = new CopyOnWriteArrayList<>();
        try (ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(), timeout(Duration.ofSeconds(5)));
                ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                for (int c = 0; c < 8; c++) {
                    executor.submit(() -> {
                        RawHttp http = new RawHttp(porter.port());
                        try {
                            while (!done.get()) {
                                boolean wasStopped = stopped.get();
                                int status;
                                try {
                                    status = http.exchange(GET).status();
                                } catch (IOException e) {
                                    status = -1; // under way when the backend died: the client was cut off
                                    http.close();
                                    http = new RawHttp(porter.port());
                                }
                                statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                                if (wasStopped) {
                                    afterStop.incrementAndGet();
                                    if (status != 502) {
                                        wrongAfterStop.add(status);
                                    }
                                }
                            }
                        } finally {
                            http.close();
                        }
                        return null;
                    });
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> backend.seen.size() > 200);
                backend.close(); // the app process dies: its connections close, its port refuses
                stopped.set(true);
                await().atMost(Duration.ofSeconds(20)).until(() -> afterStop.get() > 100);
            } finally {
                done.set(true);
            }
        } finally {
            backend.close();
        }
        assertThat(statuses.keySet()).isSubsetOf(200, 502, -1);
        assertThat(statuses.get(200).get()).isGreaterThan(200);
        assertThat(wrongAfterStop).isEmpty();
    }

    @Test
    void interimResponsesFromTheBackendAreSwallowed() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            http.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            String all = new String(http.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("100 Continue").doesNotContain("103")
                    .endsWith("\r\n\r\nok");
        }
    }

    @Test
    void retriesAnIdempotentBodylessRequestOnceWhenThePooledConnectionWasStale() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            if (i == 0) {
                ref[0].readHead(s);
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                ref[0].readHead(s); // the keep-alive race: the backend closes as the next request arrives
            } else {
                answerAll(ref[0], s, "fresh");
            }
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange(GET).bodyText()).isEqualTo("first");
            RawHttp.Response second = http.exchange(GET);
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.bodyText()).isEqualTo("fresh");
            assertThat(backend.accepted.get()).isEqualTo(2);
        }
    }

    @Test
    void neverRetriesAPost() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            if (i == 0) {
                ref[0].readHead(s);
                RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
                ref[0].readHead(s);
            } else {
                answerAll(ref[0], s, "fresh");
            }
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange(GET).bodyText()).isEqualTo("first");
            RawHttp.Response second = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
            assertThat(second.status()).isEqualTo(502);
            assertThat(backend.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void backendConnectionCloseIsDroppedByDefaultAndNotReused() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response first = http.exchange(GET);
            assertThat(first.header("Connection")).isEmpty();
            RawHttp.Response second = http.exchange(GET);
            assertThat(second.bodyText()).isEqualTo("ok");
            assertThat(backend.accepted.get()).isEqualTo(2);
        }
    }

    @Test
    void forwardResponseConnectionHeaderPassesConnectionClose() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(),
                new ForwardingOptions(Duration.ofSeconds(30), true, true));
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void closeEndsAnExchangeWaitingForItsHeadWith502Point3() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            http.send(GET);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.heads.size() == 1);
            assertThat(porter.forwarder.inFlight()).isEqualTo(1);
            CompletableFuture<Void> idle = porter.forwarder.whenIdle();
            assertThat(idle).isNotDone();
            porter.forwarder.close();
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.bodyText()).contains("HTTP Error 502.3 - Bad Gateway");
            idle.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            // closed for good: later requests are refused without touching the backend
            assertThat(http.exchange(GET).status()).isEqualTo(502);
            assertThat(backend.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void closeAbortsAResponseUnderWay() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            http.send(GET);
            StreamingReads.readUntil(http.socket().getInputStream(), "first\r\n");
            porter.forwarder.close();
            porter.forwarder.whenIdle().get(10, TimeUnit.SECONDS);
            assertThat(http.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
        }
    }
}
