package dev.porter.integration.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForwardedHeadersTest {
    private static final InetSocketAddress PROXY = ForwardedHeaders.endpoint("127.0.0.1", 40000);

    private static List<String> list(String... values) {
        return Arrays.asList(values);
    }

    @Test
    void fromLoopbackTheRightMostEntriesBecomeClientAndScheme() {
        ForwardedHeaders result = ForwardedHeaders.apply(PROXY, "http", list("1.2.3.4, 10.0.0.5:50000"),
                list("https"));
        assertThat(result.remoteAddress()).isEqualTo(ForwardedHeaders.endpoint("10.0.0.5", 50000));
        assertThat(result.scheme()).isEqualTo("https");
        assertThat(result.originalFor()).isEqualTo("127.0.0.1:40000");
        assertThat(result.originalProto()).isEqualTo("http");
        // forward limit 1: only the entry ANCM appended is consumed
        assertThat(result.remainingFor()).isEqualTo("1.2.3.4");
        assertThat(result.remainingProto()).isEmpty();
    }

    @Test
    void ipv6LoopbackIsAKnownProxyAndBracketedClientsParse() {
        InetSocketAddress proxy = ForwardedHeaders.endpoint("::1", 40001);
        ForwardedHeaders result = ForwardedHeaders.apply(proxy, "http", list("[::1]:54321"), list("http"));
        assertThat(result.remoteAddress()).isEqualTo(ForwardedHeaders.endpoint("::1", 54321));
        assertThat(result.originalFor()).isEqualTo("[0:0:0:0:0:0:0:1]:40001");
    }

    @Test
    void fromElsewhereNothingIsApplied() {
        InetSocketAddress stranger = ForwardedHeaders.endpoint("10.1.2.3", 40000);
        ForwardedHeaders result = ForwardedHeaders.apply(stranger, "http", list("6.6.6.6:1"), list("https"));
        assertThat(result.remoteAddress()).isEqualTo(stranger);
        assertThat(result.scheme()).isEqualTo("http");
        assertThat(result.forConsumed()).isFalse();
        assertThat(result.protoConsumed()).isFalse();
    }

    @Test
    void headersNeedNotBeSymmetric() {
        ForwardedHeaders onlyProto = ForwardedHeaders.apply(PROXY, "http", Collections.<String>emptyList(),
                list("https"));
        assertThat(onlyProto.remoteAddress()).isEqualTo(PROXY);
        assertThat(onlyProto.scheme()).isEqualTo("https");
        assertThat(onlyProto.forConsumed()).isFalse();

        ForwardedHeaders onlyFor = ForwardedHeaders.apply(PROXY, "http", list("10.0.0.5:1"),
                Collections.<String>emptyList());
        assertThat(onlyFor.scheme()).isEqualTo("http");
        assertThat(onlyFor.originalProto()).isNull();
        assertThat(onlyFor.remainingFor()).isEmpty();
    }

    @Test
    void severalHeaderLinesAreOneList() {
        ForwardedHeaders result = ForwardedHeaders.apply(PROXY, "http", list("1.1.1.1", "2.2.2.2:2"),
                Collections.<String>emptyList());
        assertThat(result.remoteAddress()).isEqualTo(ForwardedHeaders.endpoint("2.2.2.2", 2));
        assertThat(result.remainingFor()).isEqualTo("1.1.1.1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"not-an-ip:80", "example.com", "1.2.3:4", "1.2.3.4:99999", "[::1:5", "300.1.1.1"})
    void anUnparsableEntryStopsProcessingAndNeverResolvesNames(String entry) {
        ForwardedHeaders result = ForwardedHeaders.apply(PROXY, "http", list(entry), list("https"));
        assertThat(result.remoteAddress()).isEqualTo(PROXY);
        assertThat(result.scheme()).isEqualTo("http");
        assertThat(result.forConsumed()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1.2.3.4 | 1.2.3.4 | 0", "1.2.3.4:5 | 1.2.3.4 | 5", "::1 | ::1 | 0",
        "[::1] | ::1 | 0", "[2001:db8::1]:443 | 2001:db8::1 | 443"})
    void endpointsParse(String text, String ip, int port) {
        assertThat(ForwardedHeaders.parseEndpoint(text)).isEqualTo(ForwardedHeaders.endpoint(ip, port));
    }

    @Test
    void anInvalidSchemeIsNotApplied() {
        ForwardedHeaders result = ForwardedHeaders.apply(PROXY, "http", Collections.<String>emptyList(),
                list("ht tp"));
        assertThat(result.scheme()).isEqualTo("http");
    }
}
