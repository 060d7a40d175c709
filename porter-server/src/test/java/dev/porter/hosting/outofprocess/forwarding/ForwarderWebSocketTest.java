package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WebSocket upgrades (spec/ancm-contract.md §1.6): a 101 from the backend joins the two connections byte for byte. */
class ForwarderWebSocketTest {

    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String GREETING = "hello-from-backend";

    @TempDir
    Path dir;

    /** Answers 101 (with a greeting in the same packet), then echoes every byte until the peer closes. */
    private static RawBackend echoBackend() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" + GREETING);
            echo(s);
            ref[0].closedByPeer.incrementAndGet();
        });
        return ref[0];
    }

    private static void echo(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (java.io.IOException e) {
            // the peer went away
        }
    }

    @Test
    void echoesBytesBothWaysThroughTheTunnel() throws Exception {
        try (RawBackend backend = echoBackend(); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(UPGRADE);
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Upgrade")).contains("websocket");
            assertThat(r.header("Connection")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("upgrade"));
            assertThat(r.header("Sec-WebSocket-Accept")).contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            InputStream in = http.socket().getInputStream();
            OutputStream out = http.socket().getOutputStream();
            assertThat(new String(in.readNBytes(GREETING.length()), StandardCharsets.US_ASCII)).isEqualTo(GREETING);

            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");

            // 8 MiB each way at once: both directions' backpressure must hold without deadlock or loss
            byte[] payload = new byte[8 * 1024 * 1024];
            new Random(7).nextBytes(payload);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    out.write(payload);
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            byte[] echoed = in.readNBytes(payload.length);
            writer.get(20, TimeUnit.SECONDS);
            assertThat(Arrays.equals(echoed, payload)).isTrue();

            String head = backend.heads.getFirst();
            assertThat(head).startsWith("GET /ws HTTP/1.1\r\n").contains("Upgrade: websocket\r\n")
                    .containsIgnoringCase("Connection: upgrade\r\n")
                    .contains("MS-ASPNETCORE-TOKEN: " + ForwardingFixture.TOKEN + "\r\n");
            assertThat(porter.forwarder.inFlight()).as("an open tunnel is in flight").isEqualTo(1);

            http.socket().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void theBackendClosingTheTunnelClosesTheClient() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
            byte[] bye = s.getInputStream().readNBytes(3);
            RawBackend.write(s, new String(bye, StandardCharsets.US_ASCII) + "!");
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange(UPGRADE).status()).isEqualTo(101);
            http.send("bye");
            assertThat(new String(http.socket().getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
                    .isEqualTo("bye!");
            assertThat(http.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void anAnswerOtherThan101IsAnOrdinaryResponse() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            while (ref[0].readHead(s) != null) {
                RawBackend.write(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 13\r\n\r\nno websockets");
            }
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(UPGRADE);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).isEqualTo("no websockets");
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).isEqualTo("no websockets");
            await().atMost(Duration.ofSeconds(10)).until(() -> porter.forwarder.inFlight() == 0);
        }
    }

    @Test
    void withWebSocketsDisabledTheUpgradeIsNotForwarded() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(),
                new ForwardingOptions(Duration.ofSeconds(30), false, false));
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange(UPGRADE);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("plain");
            String head = backend.heads.getFirst().toLowerCase();
            assertThat(head).doesNotContain("upgrade:").doesNotContain("connection:");
        }
    }

    @Test
    void aNonWebSocketUpgradeIsNotForwarded() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
                    + "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            String head = backend.heads.getFirst().toLowerCase();
            assertThat(head).doesNotContain("upgrade:").doesNotContain("connection:").doesNotContain("http2-settings");
        }
    }

    @Test
    void aPostWithAnUpgradeThatIsNotForwardedStillSendsItsBody() throws Exception {
        int size = 512 * 1024; // more than the front server holds before a body receiver is set
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            ref[0].readHead(s);
            byte[] body = s.getInputStream().readNBytes(size);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n" + String.format("%07d", body.length));
            ref[0].awaitPeerClose(s);
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(),
                new ForwardingOptions(Duration.ofSeconds(5), false, true));
                RawHttp http = new RawHttp(porter.port())) {
            http.send("POST / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n"
                    + "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"
                    + "Content-Length: " + size + "\r\n\r\n");
            http.send(new byte[size]);
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo(String.format("%07d", size));
        }
    }

    @Test
    void closeClosesOpenTunnels() throws Exception {
        try (RawBackend backend = echoBackend(); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange(UPGRADE).status()).isEqualTo(101);
            assertThat(http.socket().getInputStream().readNBytes(GREETING.length())).hasSize(GREETING.length());
            CompletableFuture<Void> idle = porter.forwarder.whenIdle();
            assertThat(idle).isNotDone();
            porter.forwarder.close();
            idle.get(10, TimeUnit.SECONDS);
            assertThat(http.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closedByPeer.get() == 1);
        }
    }
}
