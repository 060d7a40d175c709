package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk-size line checks (RFC 9112 section 7.1) do not cost legitimate clients anything: a chunked body with
 * extensions, trailers and a chunk larger than the decoder's 64 KiB pieces arrives intact, also when it trickles in
 * one byte per packet. Through the forwarder to the recording backend, which reads the re-chunked body.
 */
class ChunkedFramingTest {

    @TempDir
    static Path dir;

    private static Front front;

    @BeforeAll
    static void start() throws Exception {
        front = Front.start(Front.Leg.FORWARDED, dir);
    }

    @AfterAll
    static void stop() throws Exception {
        front.close();
    }

    @Test
    void legitimateChunkedBodyTrickledOneBytePerPacketArrivesIntact() throws Exception {
        String request = "POST /trickle HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;name=value\r\nabc\r\n0A ; x=\"q;\\\"uoted\"\r\n0123456789\r\n00\r\nX-Trailer: t\r\n\r\n";
        try (RawHttp http = front.connect()) {
            http.socket().setTcpNoDelay(true);
            for (byte b : request.getBytes(StandardCharsets.ISO_8859_1)) {
                http.send(new byte[] {b});
            }
            assertThat(http.readResponse().status()).isEqualTo(200);
        }
        Seen seen = front.seen().stream().filter(s -> s.target().equals("/trickle")).findFirst().orElseThrow();
        assertThat(new String(seen.body(), StandardCharsets.ISO_8859_1)).isEqualTo("abc0123456789");
    }

    @Test
    void oneChunkLargerThanTheDecodersPiecesArrivesIntact() throws Exception {
        int size = 200_000;
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        try (RawHttp http = front.connect()) {
            http.send("POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(size) + "\r\n");
            http.send(data);
            http.send("\r\n0\r\n\r\n");
            assertThat(http.readResponse().status()).isEqualTo(200);
        }
        Seen seen = front.seen().stream().filter(s -> s.target().equals("/big")).findFirst().orElseThrow();
        assertThat(seen.body()).isEqualTo(data);
    }

    @Test
    void chunkSizeThatWouldWrapIsRefusedEvenWhenSplitAcrossPackets() throws Exception {
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            http.socket().setTcpNoDelay(true);
            http.send("POST /wrap HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000");
            http.send("00003\r\nabc\r\n0\r\n\r\n");
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.bodyText()).contains("chunk size overflows");
            assertThat(http.isClosedByServer()).isTrue();
        }
        assertThat(front.seen().subList(before, front.seen().size())).noneMatch(s -> "/wrap".equals(s.target())
                && s.problem() == null);
    }
}
