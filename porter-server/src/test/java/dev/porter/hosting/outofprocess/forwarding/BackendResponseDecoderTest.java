package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BackendResponseDecoder} against Netty's {@code HttpResponseDecoder} (the reference, {@link ResponseDecoding}),
 * case by case: each backend response is decoded whole, split at every byte, and split in two at each point, with and
 * without the connection closing after it; the transcripts must agree (or Porter refuse a status line Netty is lenient
 * about), every buffer released, and the case end as the table says (what the exchange does with it: relay it, or
 * answer 502.3 for a malformed response).
 */
class BackendResponseDecoderTest {

    private static final String BIG = "x".repeat(70_000);

    static Stream<Arguments> cases() {
        return Stream.of(
                ok("length", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
                ok("two on one connection", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\n"
                        + "Content-Length: 0\r\n\r\n"),
                ok("own reason", "HTTP/1.1 200 Fine Thanks \r\nContent-Length: 0\r\n\r\n"),
                ok("no reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
                ok("no reason, space", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
                ok("HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nab"),
                ok("leading empty lines", "\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
                ok("obs-fold joined", "HTTP/1.1 200 OK\r\nX-A: one\r\n  two \r\n\tthree\r\nContent-Length: 0\r\n\r\n"),
                ok("whitespace before colon", "HTTP/1.1 200 OK\r\nX-A : v\r\nContent-Length: 0\r\n\r\n"),
                ok("empty value", "HTTP/1.1 200 OK\r\nX-A:\r\nX-B:   \r\nContent-Length: 0\r\n\r\n"),
                ok("obs-text value", "HTTP/1.1 200 OK\r\nX-A: caf\u00e9\tb\r\nContent-Length: 0\r\n\r\n"),
                ok("duplicate fields kept", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                        + "Content-Length: 0\r\n\r\n"),
                ok("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                        + "1;ext=\"v\"\r\n!\r\n0\r\n\r\n"),
                ok("chunked, trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nabc\r\n"
                        + "0\r\nX-Checksum: 1\r\nContent-Length: 9\r\nX-Two: 2\r\n\r\n"),
                ok("chunked wins over length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"),
                ok("upper-case hex, leading zeros", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "00A\r\n0123456789\r\n0\r\n\r\n"),
                closed("until close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstream of bytes"),
                ok("100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                ok("103 then 200", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n"
                        + "Content-Length: 0\r\n\r\n"),
                ok("101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: x\r\n\r\n\u0081\u0002hi"),
                ok("204 with a length", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
                ok("304 with chunked", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
                ok(HttpMethod.HEAD, "HEAD: no body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                ok("HTTP/1.0 first length counts", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
                        + "\r\nab"),
                ok("length normalised", "HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\nabcdefg"),
                bad("HTTP/2 status line", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
                bad("two spaces in the status line", "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"),
                bad("status 099", "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n"),
                bad("status 600", "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n"),
                bad("control in reason", "HTTP/1.1 200 O\u0001K\r\nContent-Length: 0\r\n\r\n"),
                bad("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
                bad("bare LF in fields", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n"),
                bad("control in value", "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nContent-Length: 0\r\n\r\n"),
                bad("CR in value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"),
                bad("bad name", "HTTP/1.1 200 OK\r\nX(A): b\r\nContent-Length: 0\r\n\r\n"),
                bad("no colon", "HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 0\r\n\r\n"),
                bad("fold first", "HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n"),
                bad("conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                bad("repeated length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
                bad("length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nab"),
                bad("signed length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab"),
                bad("huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nab"),
                bad("bad length on a 204", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n"),
                bad("head too large", "HTTP/1.1 200 OK\r\nX-A: " + BIG + "\r\nContent-Length: 0\r\n\r\n"),
                bad("status line too long", "HTTP/1.1 200 " + BIG + "\r\n\r\n"),
                bad("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                bad("chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000001\r\n"),
                bad("chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"),
                bad("chunk size bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n"),
                bad("bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX(A): 1\r\n\r\n"),
                closedBad("closed within the head", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"),
                closed("closed within the body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
                closed("closed within a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"));
    }

    private static Arguments ok(String name, String response) {
        return ok(HttpMethod.GET, name, response);
    }

    private static Arguments ok(HttpMethod method, String name, String response) {
        return Arguments.of(name, method, response, false, false);
    }

    private static Arguments closed(String name, String response) {
        return Arguments.of(name, HttpMethod.GET, response, true, false);
    }

    private static Arguments closedBad(String name, String response) {
        return Arguments.of(name, HttpMethod.GET, response, true, true);
    }

    private static Arguments bad(String name, String response) {
        return Arguments.of(name, HttpMethod.GET, response, false, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void agreesWithNettyHowEverTheBytesArrive(String name, HttpMethod method, String response, boolean close,
            boolean malformed) {
        byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
        ResponseDecoding.Result whole = compare(method, List.of(bytes), close);
        assertThat(whole.transcript().contains("failed")).as(name + ": " + whole.transcript()).isEqualTo(malformed);
        if (!malformed && !close) {
            assertThat(whole.transcript().getLast()).as(name).matches("end.*|head HTTP/1.1 101 .*");
        }
        if (bytes.length < 1000) {
            List<byte[]> single = new ArrayList<>();
            for (byte b : bytes) {
                single.add(new byte[] {b});
            }
            assertThat(compare(method, single, close)).isEqualTo(whole);
            for (int cut = 1; cut < bytes.length; cut++) {
                byte[] first = java.util.Arrays.copyOfRange(bytes, 0, cut);
                byte[] second = java.util.Arrays.copyOfRange(bytes, cut, bytes.length);
                assertThat(compare(method, List.of(first, second), close)).isEqualTo(whole);
            }
        }
    }

    private static ResponseDecoding.Result compare(HttpMethod method, List<byte[]> pieces, boolean close) {
        ResponseDecoding.Result netty = ResponseDecoding.decode(ResponseDecoding.netty(method), pieces, close);
        ResponseDecoding.Result porter = ResponseDecoding.decode(ResponseDecoding.porter(method), pieces, close);
        ResponseDecoding.assertAgree(netty, porter);
        return new ResponseDecoding.Result(porter.transcript(), null);
    }
}
