package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardedHeaders#applyTrusted}: what the app is told when a trusted proxy named the client, in each
 * {@code forwardedHeaders} format, after {@link ForwardedHeaders#apply} wrote the proxy as the client.
 */
class TrustedForwardedHeadersTest {

    private static HttpHeaders written(ForwardedHeaders mode) {
        HttpHeaders out = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        out.set("Host", "shop.example");
        mode.apply(out, "203.0.113.1, 198.51.100.9, 10.0.0.3", "https, https, http", "10.0.0.4:5000", false, "/");
        mode.applyTrusted(out, "203.0.113.1, 198.51.100.9", "198.51.100.9", "https");
        return out;
    }

    @Test
    void ancmKeepsTheChainUpToTheClientSoItsRightMostEntryIsTheClient() {
        HttpHeaders out = written(ForwardedHeaders.ANCM);
        assertThat(out.getAll("X-Forwarded-For")).containsExactly("203.0.113.1, 198.51.100.9");
        assertThat(out.getAll("X-Forwarded-Proto")).containsExactly("https");
    }

    @Test
    void standardAndRfc7239NameOnlyTheClientAndItsScheme() {
        HttpHeaders standard = written(ForwardedHeaders.STANDARD);
        assertThat(standard.getAll("X-Forwarded-For")).containsExactly("198.51.100.9");
        assertThat(standard.getAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(standard.contains("Forwarded")).isFalse();
        HttpHeaders rfc = written(ForwardedHeaders.RFC7239);
        assertThat(rfc.getAll("Forwarded")).containsExactly("for=198.51.100.9;proto=https;host=\"shop.example\"");
    }
}
