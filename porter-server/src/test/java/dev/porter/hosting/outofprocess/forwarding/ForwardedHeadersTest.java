package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The handler setting {@code forwardedHeaders} as the proxyToServerRequest carries it: ANCM's appended
 * {@code ip:port} chain by default, the standard set written afresh on request. The e2e proof with a real framework is
 * {@code SpringBootForwardedHeadersTest} in porter-frameworks.
 */
class ForwardedHeadersTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8443);

    private static HttpHeaders forward(ForwardedHeaders mode, String applicationPath, String... clientHeaders) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/app/x");
        for (int i = 0; i < clientHeaders.length; i += 2) {
            request.headers().add(clientHeaders[i], clientHeaders[i + 1]);
        }
        return ProxyRequestHead.build(request, "/app/x", Optional.empty(), "203.0.113.7:51000", LOCAL, true, null, null,
                "tok", false, true, mode, applicationPath).headers();
    }

    @Test
    void ancmIsTheDefaultAndAppendsIpAndPortToWhatTheClientSent() {
        HttpHeaders out = forward(ForwardedHeaders.ANCM, "/app", "Host", "example.com:8443",
                "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Host", "evil.example", "Forwarded", "for=6.6.6.6");
        assertThat(out.get("X-Forwarded-For")).isEqualTo("6.6.6.6, 203.0.113.7:51000");
        assertThat(out.get("X-Forwarded-Proto")).isEqualTo("https");
        // ANCM passes every other field through untouched
        assertThat(out.get("X-Forwarded-Host")).isEqualTo("evil.example");
        assertThat(out.get("Forwarded")).isEqualTo("for=6.6.6.6");
        assertThat(out.contains("X-Forwarded-Prefix")).isFalse();
        assertThat(ForwardingOptions.DEFAULTS.forwardedHeaders()).isEqualTo(ForwardedHeaders.ANCM);
    }

    @Test
    void standardWritesBareAddressHostPortPrefixAndReplacesWhatTheClientSent() {
        HttpHeaders out = forward(ForwardedHeaders.STANDARD, "/app", "Host", "example.com:8443",
                "X-Forwarded-For", "6.6.6.6", "x-forwarded-for", "7.7.7.7", "X-Forwarded-Proto", "http",
                "X-Forwarded-Host", "evil.example", "X-Forwarded-Port", "1", "X-Forwarded-Prefix", "/evil",
                "Forwarded", "for=6.6.6.6");
        assertThat(out.getAll("X-Forwarded-For")).containsExactly("203.0.113.7");
        assertThat(out.getAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(out.getAll("X-Forwarded-Host")).containsExactly("example.com:8443");
        assertThat(out.getAll("X-Forwarded-Port")).containsExactly("8443");
        assertThat(out.getAll("X-Forwarded-Prefix")).containsExactly("/app");
        assertThat(out.contains("Forwarded")).isFalse();
        assertThat(out.get("Host")).isEqualTo("example.com:8443");
    }

    @Test
    void theRootApplicationSendsNoPrefixAndAClientPrefixIsDropped() {
        HttpHeaders out = forward(ForwardedHeaders.STANDARD, "/", "Host", "example.com",
                "X-Forwarded-Prefix", "/evil");
        assertThat(out.contains("X-Forwarded-Prefix")).isFalse();
        assertThat(out.get("X-Forwarded-Port")).isEqualTo("443"); // no port in Host: the scheme's default
    }

    @Test
    void rfc7239AddsForwardedWithQuotedHost() {
        HttpHeaders out = forward(ForwardedHeaders.RFC7239, "/app", "Host", "example.com:8443",
                "Forwarded", "for=6.6.6.6");
        assertThat(out.getAll("Forwarded")).containsExactly("for=203.0.113.7;proto=https;host=\"example.com:8443\"");
        assertThat(out.get("X-Forwarded-For")).isEqualTo("203.0.113.7");
    }

    @Test
    void anHttp10RequestWithoutHostForwardsTheAddressItReached() {
        HttpHeaders out = forward(ForwardedHeaders.STANDARD, "/app");
        assertThat(out.get("X-Forwarded-Host")).isEqualTo("127.0.0.1:8443");
        assertThat(out.get("X-Forwarded-Port")).isEqualTo("8443");
    }

    @Test
    void addressesAndPortsAreTakenApartLikeTheirSyntaxSays() {
        assertThat(ForwardedHeaders.bareAddress("[::1]:54321")).isEqualTo("::1");
        assertThat(ForwardedHeaders.bareAddress("10.0.0.5:50000")).isEqualTo("10.0.0.5");
        assertThat(ForwardedHeaders.bareAddress("unknown")).isEqualTo("unknown");
        assertThat(ForwardedHeaders.forNode("::1")).isEqualTo("\"[::1]\"");
        assertThat(ForwardedHeaders.forNode("unknown")).isEqualTo("unknown");
        assertThat(ForwardedHeaders.port("[::1]:8443", true)).isEqualTo(8443);
        assertThat(ForwardedHeaders.port("[::1]", false)).isEqualTo(80);
        assertThat(ForwardedHeaders.port("example.com:", true)).isEqualTo(443);
        assertThat(ForwardedHeaders.port("example.com:99999", true)).isEqualTo(443);
        assertThat(ForwardedHeaders.headerSafe("/caf\u00e9 x")).isEqualTo("/caf%C3%A9%20x");
        assertThat(ForwardedHeaders.parse(" RFC7239 ")).contains(ForwardedHeaders.RFC7239);
        assertThat(ForwardedHeaders.parse("x-forwarded")).isEmpty();
    }
}
