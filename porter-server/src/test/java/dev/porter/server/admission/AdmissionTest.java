package dev.porter.server.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.server.Exchange;
import dev.porter.server.RequestHandler;
import dev.porter.server.Router;
import dev.porter.server.http1.StrictServerCodec;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Admission} as a table, in Netty's style: each row is a request head as a client sends it (lines joined by
 * {@code |}), decoded by the real {@link StrictServerCodec} on an {@link EmbeddedChannel} and admitted against two
 * sites: any host, with applications {@code /} (no limits of its own) and {@code /api} (maxUrl 20, maxQueryString 8,
 * maxAllowedContentLength 100); and {@code only.example}, whose one application is {@code /only}. The expected column
 * is the application path an admitted request goes to, or the status and a fragment of the sentence a refused one
 * gets. No socket, no application: what the connection does with the decision is ExchangeDispatcher's (FrontServerTest,
 * MalformedRequestTest, RequestLimitsTest end to end).
 */
class AdmissionTest {

    private static final RequestLimits API_LIMITS = new RequestLimits(100, 20, 8);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 80);

    private static ServerConfig.Site site(String name, String host, List<String> apps) {
        return new ServerConfig.Site(name, name.hashCode(), List.of(new ServerConfig.Binding("http", "*", 80, host)),
                apps.stream().map(p -> new ServerConfig.Application(p, Path.of("/srv" + p))).toList(),
                new ServerConfig.LogFile(false, Path.of("/logs")));
    }

    private static final Router ROUTER = new Router(List.of(
            site("any", "", List.of("/", "/api")),
            site("only", "only.example", List.of("/only"))),
            (site, app) -> new RequestHandler() {
                @Override
                public void handle(Exchange exchange) {
                }

                @Override
                public Optional<RequestLimits> requestLimits() {
                    return app.path().equals("/api") ? Optional.of(API_LIMITS) : Optional.empty();
                }
            });

    private final ServerState state = new ServerState();
    private final Admission admission = new Admission(ROUTER, RequestLimits.DEFAULTS, state);

    /** The head as the decoder hands it over (a decoder failure included). */
    private static HttpRequest decode(String head) {
        EmbeddedChannel ch = new EmbeddedChannel(new StrictServerCodec(StrictServerCodec.decoderConfig(
                new ServerConfig.WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 1024))));
        try {
            String raw = head.replace("|", "\r\n") + "\r\n\r\n";
            ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
            Object msg;
            HttpRequest request = null;
            while ((msg = ch.readInbound()) != null) {
                if (request == null && msg instanceof HttpRequest r) {
                    request = r;
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            assertThat(request).as("the decoder's request for %s", head).isNotNull();
            return request;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private String outcome(String head) {
        HttpRequest request = decode(head);
        try {
            return switch (admission.admit(request, LOCAL)) {
                case Admission.Admitted a -> "app " + a.route().application().path();
                case Admission.Rejected r -> r.status().code() + " " + r.detail();
            };
        } finally {
            ReferenceCountUtil.release(request);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '~', value = {
        // admitted: routed by Host and the longest path prefix
        "GET / HTTP/1.1|Host: a                                  ~ app /",
        "GET /api/x?q=1 HTTP/1.1|Host: a                         ~ app /api",
        "GET /only/x HTTP/1.1|Host: only.example                 ~ app /only",
        "GET / HTTP/1.0                                          ~ app /",
        "POST /api HTTP/1.1|Host: a|Content-Length: 100          ~ app /api",
        "POST / HTTP/1.1|Host: a|Transfer-Encoding: chunked      ~ app /",
        // the head rules Netty lets through (RFC 9112 sections 3.2, 6.1, 6.3)
        "GET / HTTP/1.1                                          ~ 400 An HTTP/1.1 request must have a Host header.",
        "GET / HTTP/1.1|Host: a|Host: b                          ~ 400 More than one Host header.",
        "GET / HTTP/1.1|Host: a b                                ~ 400 The Host header is not a valid host[:port]",
        "POST / HTTP/1.1|Host: a|Transfer-Encoding: gzip         ~ 400 Transfer-Encoding must be exactly 'chunked'",
        "POST / HTTP/1.0|Transfer-Encoding: chunked              ~ 400 Transfer-Encoding is not defined for HTTP/1.0",
        "CONNECT a:443 HTTP/1.1|Host: a:443                      ~ 400 CONNECT is not served",
        "GET / HTTP/1.2|Host: a                                  ~ 505 Only HTTP/1.1 and HTTP/1.0 are served",
        // the target, the routing
        "GET /a#b HTTP/1.1|Host: a                               ~ 400 Invalid request target: a fragment",
        "GET / HTTP/1.1|Host: only.example                       ~ 404 No site or application is configured",
        // the limits, the server's narrowed by /api's (maxUrl 20, maxQueryString 8, maxAllowedContentLength 100)
        "GET /api/abcdefghijklmnopq HTTP/1.1|Host: a             ~ 414 The URL path is 22 characters long; the limit (requestLimits maxUrl) is 20.",
        "GET /api?abcdefghi HTTP/1.1|Host: a                     ~ 414 The query string is 9 characters long; the limit (requestLimits maxQueryString) is 8.",
        "POST /api HTTP/1.1|Host: a|Content-Length: 101          ~ 413 The request body is 101 bytes; the limit (requestLimits maxAllowedContentLength) is 100.",
        "GET /abcdefghijklmnopqrstuvwxyz HTTP/1.1|Host: a        ~ app /",
        // Expect (RFC 9110 section 10.1.1)
        "POST / HTTP/1.1|Host: a|Content-Length: 5|Expect: 100-continue ~ app /",
        "POST / HTTP/1.1|Host: a|Content-Length: 5|Expect: x-y   ~ 417 Only 'Expect: 100-continue' is understood; got 'Expect: x-y'.",
    })
    void decides(String head, String expected) {
        assertThat(outcome(head.strip())).startsWith(expected.strip());
    }

    @Test
    void aHeadTheDecoderCouldNotReadIsRefusedWithTheLimitNamed() {
        assertThat(outcome("GET /" + "a".repeat(2_000) + " HTTP/1.1|Host: a"))
                .startsWith("414 The request line is longer than the server accepts (webLimits maxRequestBytes).");
        assertThat(outcome("GET / HTTP/1.1|Host: a|X-Big: " + "b".repeat(2_000)))
                .startsWith("431 The request headers are larger than the server accepts (webLimits maxRequestBytes)");
    }

    @Test
    void aDrainingServerRefusesWith503() {
        state.startDraining();
        assertThat(outcome("GET / HTTP/1.1|Host: a")).isEqualTo("503 The server is shutting down.");
    }

    @Test
    void expectContinueIsTheFrontsOwnAndHttp10GetsNoInterimResponse() {
        HttpRequest http11 = decode("POST / HTTP/1.1|Host: a|Content-Length: 5|Expect: 100-Continue");
        HttpRequest http10 = decode("POST / HTTP/1.0|Content-Length: 5|Expect: 100-continue");
        try {
            Admission.Admitted a11 = (Admission.Admitted) admission.admit(http11, LOCAL);
            Admission.Admitted a10 = (Admission.Admitted) admission.admit(http10, LOCAL);
            assertThat(a11.expectContinue()).isTrue();
            assertThat(a10.expectContinue()).isFalse();
            assertThat(http11.headers().contains(HttpHeaderNames.EXPECT)).as("the app never sees it").isFalse();
            assertThat(a11.contentLength()).isEqualTo(5);
            assertThat(a11.chunked()).isFalse();
        } finally {
            ReferenceCountUtil.release(http11);
            ReferenceCountUtil.release(http10);
        }
    }

    @Test
    void theApplicationsLimitsNarrowTheServersAndTheNarrowingIsReused() {
        HttpRequest first = decode("GET /api HTTP/1.1|Host: a");
        HttpRequest second = decode("GET /api/y HTTP/1.1|Host: a");
        HttpRequest root = decode("GET / HTTP/1.1|Host: a");
        try {
            RequestLimits one = ((Admission.Admitted) admission.admit(first, LOCAL)).limits();
            RequestLimits two = ((Admission.Admitted) admission.admit(second, LOCAL)).limits();
            assertThat(one).isEqualTo(new RequestLimits(100, 20, 8)).isSameAs(two);
            assertThat(((Admission.Admitted) admission.admit(root, LOCAL)).limits()).isSameAs(RequestLimits.DEFAULTS);
        } finally {
            ReferenceCountUtil.release(first);
            ReferenceCountUtil.release(second);
            ReferenceCountUtil.release(root);
        }
    }
}
