package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outcome {@link Forwarder#send} reports, as the out-of-process handler sees it: settled outcomes have answered the
 * client (or it is gone), and a request the backend never had, or never answered, is left to the sender untouched.
 */
class ForwardOutcomeTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @TempDir
    Path dir;

    private static void answerAll(RawBackend backend, Socket s) throws IOException {
        while (backend.readHead(s) != null) {
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        }
    }

    @Test
    void aResponseThatReachedTheClientIsRelayed() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> answerAll(ref[0], s));
                ForwardingFixture porter = ForwardingFixture.startSending(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("hello");
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.outcomes.size() == 1);
            assertThat(porter.outcomes).containsExactly(ForwardOutcome.RELAYED);
            assertThat(porter.forwarder.inFlight()).isZero();
        }
    }

    @Test
    void aRefusedConnectIsNotSentAndTheSenderAnswers() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (ForwardingFixture porter = ForwardingFixture.startSending(dir, closedPort);
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).as("the forwarder left the exchange to the sender").isEqualTo(503);
            assertThat(r.bodyText()).startsWith(ForwardingFixture.SENDER_ANSWER).contains("CONNECT_REFUSED");
            assertThat(porter.outcomes).singleElement().isInstanceOfSatisfying(ForwardOutcome.NotSent.class,
                    n -> assertThat(n.reason()).isEqualTo(ForwardOutcome.Reason.CONNECT_REFUSED));
            assertThat(porter.forwarder.inFlight()).isZero();
        }
    }

    @Test
    void aBackendThatClosesWithoutAByteLeavesTheRequestUnanswered() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> ref[0].readHead(s));
                ForwardingFixture porter = ForwardingFixture.startSending(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.bodyText()).startsWith(ForwardingFixture.SENDER_ANSWER);
            assertThat(porter.outcomes).singleElement().isInstanceOfSatisfying(ForwardOutcome.Unanswered.class,
                    u -> assertThat(u.error()).isEqualTo(ForwardingError.CONNECTION_ERROR));
            assertThat(backend.accepted.get()).as("a fresh connection is never retried").isEqualTo(1);
        }
    }

    @Test
    void aResponseCutOffAfterItsHeadFailedAndTheClientConnectionIsCut() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        }); ForwardingFixture porter = ForwardingFixture.startSending(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("0123456789");
            assertThat(http.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.outcomes.size() == 1);
            assertThat(porter.outcomes).singleElement().isInstanceOfSatisfying(ForwardOutcome.Failed.class,
                    f -> assertThat(f.error()).isEqualTo(ForwardingError.CONNECTION_ERROR));
        }
    }

    @Test
    void aClientThatLeavesFirstIsClientGoneAndTheBackendConnectionCloses() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            ref[0].awaitPeerClose(s); // silent
        }); ForwardingFixture porter = ForwardingFixture.startSending(dir, backend.port())) {
            try (RawHttp http = new RawHttp(porter.port())) {
                http.send(GET);
                await().atMost(Duration.ofSeconds(10)).until(() -> backend.heads.size() == 1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.outcomes.size() == 1);
            assertThat(porter.outcomes).containsExactly(ForwardOutcome.CLIENT_GONE);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            assertThat(porter.forwarder.inFlight()).isZero();
        }
    }

    @Test
    void aClosedForwarderSendsNothing() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> answerAll(ref[0], s));
                ForwardingFixture porter = ForwardingFixture.startSending(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            porter.forwarder.close();
            RawHttp.Response r = http.exchange(GET);
            assertThat(r.status()).isEqualTo(503);
            assertThat(porter.outcomes).singleElement().isInstanceOfSatisfying(ForwardOutcome.NotSent.class,
                    n -> assertThat(n.reason()).isEqualTo(ForwardOutcome.Reason.FORWARDER_CLOSED));
            assertThat(backend.accepted.get()).isZero();
        }
    }
}
