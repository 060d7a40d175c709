package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The pieces of the forwarded head that a loopback test cannot reach (spec/ancm-contract.md §1.4). */
class ProxyRequestHeadTest {

    @Test
    void xForwardedForWritesIpv6InBracketsAndShortForm() {
        assertThat(ProxyRequestHead.clientAddress(new InetSocketAddress("::1", 54321))).isEqualTo("[::1]:54321");
        assertThat(ProxyRequestHead.clientAddress(new InetSocketAddress("fe80:0:0:0:0:0:0:1%1", 80)))
                .isEqualTo("[fe80::1]:80");
        assertThat(ProxyRequestHead.clientAddress(new InetSocketAddress("10.0.0.5", 50000)))
                .isEqualTo("10.0.0.5:50000");
    }

    @Test
    void msAspNetCorePrefixMatchesCaseInsensitivelyOnThirteenCharacters() {
        assertThat(ProxyRequestHead.startsWithMsAspNetCore("MS-ASPNETCORE")).isTrue();
        assertThat(ProxyRequestHead.startsWithMsAspNetCore("mS-ASPNETCORE-")).isTrue();
        assertThat(ProxyRequestHead.startsWithMsAspNetCore("ms-aspnetcorefoo")).isTrue();
        assertThat(ProxyRequestHead.startsWithMsAspNetCore("MS-ASPNETCOR")).isFalse();
        assertThat(ProxyRequestHead.startsWithMsAspNetCore("X-MS-ASPNETCORE-TOKEN")).isFalse();
    }
}
