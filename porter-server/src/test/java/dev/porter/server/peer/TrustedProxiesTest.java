package dev.porter.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.NodeConfig;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.config.TrustedProxies;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testapps.inprocess.InProcessTestApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code <forwarding trustedProxies>} through a real Porter: from a trusted peer, its X-Forwarded-For names the client
 * for the out-of-process app (ANCM's format: the chain up to the client, so its right-most entry is the client), the
 * in-process app's getRemoteAddress() and the access log; from anyone else it decides nothing. The CIDR matching
 * itself is tested on its own.
 */
class TrustedProxiesTest {

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private Porter porter;

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private void start(String trusted, boolean proxyProtocol) throws IOException {
        Path oop = dir.resolve("oop");
        TestApps.writeWebConfig(oop, Backends.attributes(List.of()), Map.of());
        Path inproc = dir.resolve("inproc");
        TestApps.writeWebConfig(inproc, Map.of("processPath", "java", "arguments", "-cp " + Backends.classpath() + " "
                + InProcessTestApp.class.getName(), "hostingModel", "inprocess"), Map.of());
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(new ServerConfig.Site("Farm", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "", null, proxyProtocol)),
                List.of(new ServerConfig.Application("/", oop), new ServerConfig.Application("/in", inproc)),
                new ServerConfig.LogFile(true, dir.resolve("logs")))), RequestLimits.DEFAULTS,
                ServerConfig.WebLimits.DEFAULTS);
        NodeConfig node = new NodeConfig(Duration.ZERO, null, NodeConfig.ChangePolling.AUTO,
                NodeConfig.DEFAULT_POLL_INTERVAL, TrustedProxies.parse(trusted), "test");
        porter = Porter.start(config, null, node);
    }

    private RawHttp.Response get(String proxyHeader, String path, String... headers) throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            if (proxyHeader != null) {
                http.send((proxyHeader + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: farm.test\r\n" + String.join("", headers)
                    + "Connection: close\r\n\r\n");
        }
    }

    @Test
    void aTrustedPeersForwardedForNamesTheClientInBothHostingModelsAndTheLog() throws Exception {
        start("127.0.0.1, 10.0.0.0/8", false);
        String chain = "X-Forwarded-For: 203.0.113.1, 198.51.100.9:4711, 10.0.0.3\r\nX-Forwarded-Proto: https\r\n";
        assertThat(get(null, "/in/remote", chain).bodyText()).isEqualTo("198.51.100.9:4711");
        String headers = get(null, "/headers", chain).bodyText();
        assertThat(headers).containsIgnoringCase("X-Forwarded-For: 203.0.113.1, 198.51.100.9:4711\n")
                .containsIgnoringCase("X-Forwarded-Proto: https\n");
        // RFC 7239 when there is no X-Forwarded-For.
        assertThat(get(null, "/in/remote", "Forwarded: for=\"[2001:db8::5]:99\";proto=https, for=10.9.9.9\r\n")
                .bodyText()).isEqualTo("2001:db8:0:0:0:0:0:5:99");
        // A name stops the walk: the last address believed is the client.
        assertThat(get(null, "/in/remote", "X-Forwarded-For: evil.example, 10.0.0.7\r\n").bodyText())
                .isEqualTo("10.0.0.7:0");
        await().atMost(Duration.ofSeconds(20)).until(() -> accessLog().contains(" 198.51.100.9 "));
    }

    @Test
    void fromAnyoneElseForwardedFieldsDecideNothing() throws Exception {
        start("10.0.0.0/8", false);
        String chain = "X-Forwarded-For: 198.51.100.9\r\n";
        assertThat(get(null, "/in/remote", chain).bodyText()).startsWith("127.0.0.1:");
        assertThat(get(null, "/headers", chain).bodyText()).containsPattern("(?i)X-Forwarded-For: 198\\.51\\.100\\.9, "
                + "127\\.0\\.0\\.1:\\d+\n");
    }

    @Test
    void behindProxyProtocolTheBalancersAddressIsThePeerThatIsTrusted() throws Exception {
        start("10.0.0.0/8", true);
        String chain = "X-Forwarded-For: 198.51.100.9\r\n";
        assertThat(get("PROXY TCP4 10.1.2.3 10.1.0.2 5000 80", "/in/remote", chain).bodyText())
                .isEqualTo("198.51.100.9:0");
        assertThat(get("PROXY TCP4 192.0.2.50 10.1.0.2 5000 80", "/in/remote", chain).bodyText())
                .isEqualTo("192.0.2.50:5000");
    }

    @Test
    void cidrMatching() throws Exception {
        TrustedProxies t = TrustedProxies.parse(" 10.0.0.0/8, 192.168.1.10 ,fd00::/8, 172.16.0.0/12");
        assertThat(t.contains(InetAddress.ofLiteral("10.255.1.2"))).isTrue();
        assertThat(t.contains(InetAddress.ofLiteral("11.0.0.1"))).isFalse();
        assertThat(t.contains(InetAddress.ofLiteral("192.168.1.10"))).isTrue();
        assertThat(t.contains(InetAddress.ofLiteral("192.168.1.11"))).isFalse();
        assertThat(t.contains(InetAddress.ofLiteral("172.31.255.255"))).isTrue();
        assertThat(t.contains(InetAddress.ofLiteral("172.32.0.0"))).isFalse();
        assertThat(t.contains(InetAddress.ofLiteral("fd12::1"))).isTrue();
        assertThat(t.contains(InetAddress.ofLiteral("fe80::1"))).isFalse();
        assertThat(t.contains(InetAddress.ofLiteral("::ffff:10.1.1.1"))).isTrue();
        assertThat(TrustedProxies.parse("").isEmpty()).isTrue();
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("'10.0.0.0/33'")
                .hasMessageContaining("0-32");
        assertThatThrownBy(() -> TrustedProxies.parse("proxy.example")).hasMessageContaining("'proxy.example' is "
                + "not an IP address or CIDR range");
    }

    private String accessLog() throws IOException {
        Path site = dir.resolve("logs/W3SVC1");
        if (!Files.isDirectory(site)) {
            return "";
        }
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(site)) {
            for (Path f : files.toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }
}
