package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.EchoHosting;
import dev.porter.testing.RawHttp;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed or ambiguous request gets 400 with {@code Connection: close}, the connection is closed, nothing
 * reaches the application, and the server goes on serving a fresh connection. Real server, raw sockets.
 */
class MalformedRequestTest {

    @TempDir
    static Path dir;

    private static TestFront front;

    @BeforeAll
    static void start() {
        front = TestFront.start(dir, new EchoHosting());
    }

    @AfterAll
    static void stop() {
        front.close();
    }

    static Stream<Arguments> malformed() {
        String post = "POST / HTTP/1.1\r\nHost: a\r\n";
        String chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                // request line
                Arguments.of("bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", "Line Feed"),
                Arguments.of("HTTP/0.9 request line", "GET /\r\nHost: a\r\n\r\n", ""),
                Arguments.of("bad character in the method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", "Method"),
                Arguments.of("space inside the target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", ""),
                Arguments.of("space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", ""),
                Arguments.of("not HTTP", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", "version"),
                Arguments.of("absolute-form target", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", "origin-form"),
                Arguments.of("fragment in the target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", "fragment"),
                Arguments.of("dot segments above the root", "GET /../etc HTTP/1.1\r\nHost: a\r\n\r\n", ".."),
                Arguments.of("bad percent-escape", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", "percent-escape"),
                Arguments.of("encoded control character", "GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n", "control"),
                Arguments.of("raw control character", "GET /\u0001 HTTP/1.1\r\nHost: a\r\n\r\n", "control"),
                Arguments.of("CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", ""),
                // header fields
                Arguments.of("bare LF after a header", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", "Line Feed"),
                Arguments.of("obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", "folding"),
                Arguments.of("folding with a tab", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", "folding"),
                Arguments.of("whitespace before the first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", ""),
                Arguments.of("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n", "X"),
                Arguments.of("CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", "X"),
                Arguments.of("DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n", "X"),
                Arguments.of("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "token"),
                Arguments.of("tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", "token"),
                Arguments.of("no colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "colon"),
                Arguments.of("empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", ""),
                Arguments.of("no Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", "Host"),
                Arguments.of("two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "Host"),
                Arguments.of("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "Host"),
                Arguments.of("Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "Host"),
                Arguments.of("Host with a bad port", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", "Host"),
                // framing (request smuggling)
                Arguments.of("Content-Length and chunked", post + "Content-Length: 3\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "Transfer-Encoding"),
                Arguments.of("chunked and Content-Length", post + "Transfer-Encoding: chunked\r\n"
                        + "Content-Length: 3\r\n\r\n0\r\n\r\n", "Transfer-Encoding"),
                Arguments.of("two Content-Lengths", post + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                        "Content-Length"),
                Arguments.of("a list Content-Length", post + "Content-Length: 3, 3\r\n\r\nabc", "Content-Length"),
                Arguments.of("signed Content-Length", post + "Content-Length: +3\r\n\r\nabc", "Content-Length"),
                Arguments.of("negative Content-Length", post + "Content-Length: -1\r\n\r\nabc", "Content-Length"),
                Arguments.of("huge Content-Length", post + "Content-Length: 99999999999999999999\r\n\r\n",
                        "Content-Length"),
                Arguments.of("Transfer-Encoding gzip", post + "Transfer-Encoding: gzip\r\n\r\n", "chunked"),
                Arguments.of("chunked not last", post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
                        "chunked"),
                Arguments.of("chunked twice", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
                        + "\r\n\r\n0\r\n\r\n", "chunked"),
                Arguments.of("chunked on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n", "HTTP/1.0"),
                // chunk framing
                Arguments.of("chunk size not hex", chunked + "zz\r\nabc\r\n0\r\n\r\n", "chunk"),
                Arguments.of("negative chunk size", chunked + "-3\r\nabc\r\n0\r\n\r\n", "chunk"),
                Arguments.of("chunk size overflow", chunked + "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", "overflow"),
                Arguments.of("chunk longer than its size", chunked + "3\r\nabcXX\r\n0\r\n\r\n", "CR LF"),
                Arguments.of("bare LF after chunk data", chunked + "3\r\nabc\n0\r\n\r\n", "CR LF"),
                Arguments.of("bare LF after chunk size", chunked + "3\nabc\r\n0\r\n\r\n", "Line Feed"),
                Arguments.of("bare LF ending the trailers", chunked + "3\r\nabc\r\n0\r\n\n", "Line Feed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void answers400AndCloses(String name, String request, String explanation) throws Exception {
        try (RawHttp http = front.connect()) {
            http.send(request);
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).as(name).isEqualTo(400);
            assertThat(r.header("Connection")).contains("close");
            assertThat(r.bodyText()).as("the page says what was wrong").contains(explanation);
            assertThat(r.bodyText()).as("the application never answered").doesNotContain("\n/\n");
            assertThat(http.isClosedByServer()).isTrue();
        }
        try (RawHttp fresh = front.connect()) {
            assertThat(fresh.exchange("GET /after HTTP/1.1\r\nHost: a\r\n\r\n").bodyText())
                    .isEqualTo("GET /after -\n/\n");
        }
    }
}
