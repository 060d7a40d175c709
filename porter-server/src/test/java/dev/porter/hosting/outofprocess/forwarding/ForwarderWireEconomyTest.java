package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the forwarder's per-request economies must not change (ProxyExchange: a response head held until its body's
 * first piece and joined with a one-piece body; BackendConnection: one requestTimeout watch per backend connection rather
 * than per request): a head whose body is late still reaches the client at once; bodiless statuses and trailers are
 * framed as before; a timeout on a reused connection counts from that request, neither earlier nor later.
 */
class ForwarderWireEconomyTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    @TempDir
    Path dir;

    @Test
    void aHeadWhoseBodyIsLateReachesTheClientBeforeTheBody() throws Exception {
        CountDownLatch clientSawHead = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend((s, i) -> {
            RawBackend.readHead(s.getInputStream());
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
            // The body only once the client has the head: a head held back for its body would never arrive.
            if (clientSawHead.await(20, TimeUnit.SECONDS)) {
                RawBackend.write(s, "hello");
            }
            s.getInputStream().read();
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                Socket client = new Socket("127.0.0.1", porter.port())) {
            client.setSoTimeout(20_000);
            OutputStream out = client.getOutputStream();
            out.write(GET.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = client.getInputStream();
            String head = RawBackend.readHead(in);
            clientSawHead.countDown();
            assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("Content-Length: 5");
            assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("hello");
        }
    }

    @Test
    void bodilessStatusesAndTrailersAreFramedAsBefore() throws Exception {
        try (RawBackend backend = new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 12\r\n\r\n");
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Checksum: abc\r\n\r\n");
            RawBackend.readHead(in);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            in.read();
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port());
                RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response noContent = http.exchange(GET);
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.header("X-A")).contains("1");
            assertThat(noContent.header("Content-Length")).isEmpty();
            assertThat(noContent.header("Transfer-Encoding")).isEmpty();
            RawHttp.Response notModified = http.exchange(GET);
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("ETag")).contains("\"x\"");
            assertThat(notModified.body()).isEmpty();
            http.send(GET);
            byte[] chunked = readUntil(http, "X-Checksum: abc\r\n\r\n");
            assertThat(new String(chunked, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 ")
                    .containsIgnoringCase("Transfer-Encoding: chunked").contains("\r\n0\r\nX-Checksum: abc\r\n\r\n");
            RawHttp.Response last = http.exchange(GET);
            assertThat(last.bodyText()).isEqualTo("ok"); // the connection stayed in step through all four
        }
    }

    @Test
    void aTimeoutOnAReusedConnectionCountsFromThatRequest() throws Exception {
        RawBackend[] ref = new RawBackend[1];
        try (RawBackend backend = ref[0] = new RawBackend((s, i) -> {
            InputStream in = s.getInputStream();
            ref[0].readHead(s);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
            ref[0].readHead(s);
            // 6.5 s: 3.5 s under the 10 s limit (a loaded machine must not make it a timeout), though the watch the
            // first request armed expires meanwhile (at 10 s; this answer comes at 4 s + 6.5 s at the earliest)
            Thread.sleep(6_500);
            RawBackend.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
            ref[0].readHead(s);
            ref[0].awaitPeerClose(s); // silent
        }); ForwardingFixture porter = ForwardingFixture.start(dir, backend.port(),
                new ForwardingOptions(Duration.ofMillis(10_000), false, true));
                RawHttp http = new RawHttp("127.0.0.1", porter.port(), 60_000)) { // reads outlast the 10 s limit
            assertThat(http.exchange(GET).bodyText()).isEqualTo("a");
            Thread.sleep(4_000); // the first request's watch now fires during the second (up to 6 s into it)
            assertThat(http.exchange(GET).bodyText()).isEqualTo("b");
            long start = System.nanoTime();
            RawHttp.Response timedOut = http.exchange(GET);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(timedOut.status()).isEqualTo(502);
            assertThat(timedOut.bodyText()).contains("HTTP Error 502.3 - Bad Gateway");
            assertThat(tookMillis).as("not before the limit; a failure guard").isGreaterThanOrEqualTo(9_900)
                    .isLessThan(60_000);
            assertThat(backend.accepted.get()).isEqualTo(1);
        }
    }

    private static byte[] readUntil(RawHttp http, String end) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (!got.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
            got.write(http.readBytes(1));
        }
        return got.toByteArray();
    }
}
