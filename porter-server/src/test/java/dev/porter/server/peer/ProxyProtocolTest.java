package dev.porter.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testapps.inprocess.InProcessTestApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * A binding with {@code proxyProtocol="true"} behind a balancer, through a real Porter: the client a PROXY v1 or v2
 * header names is the client everywhere (X-Forwarded-For to an out-of-process TestBackend, getRemoteAddress() of an
 * in-process app, the W3C access log), and a connection without a valid header never reaches anything. The v2
 * headers are written with Netty's encoder; the farm test ({@code FarmIT}) has a real HAProxy send them.
 */
class ProxyProtocolTest {

    private static final String REQUEST = "GET %s HTTP/1.1\r\nHost: farm.test\r\nConnection: close\r\n\r\n";

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

    private Path logs() {
        return dir.resolve("logs");
    }

    private void start(boolean proxyProtocol) throws IOException {
        Path oop = dir.resolve("oop");
        TestApps.writeWebConfig(oop, Backends.attributes(List.of()), Map.of());
        Path inproc = dir.resolve("inproc");
        TestApps.writeWebConfig(inproc, Map.of("processPath", "java", "arguments", "-cp " + Backends.classpath() + " "
                + InProcessTestApp.class.getName(), "hostingModel", "inprocess"), Map.of());
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(new ServerConfig.Site("Farm", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "", null, proxyProtocol)),
                List.of(new ServerConfig.Application("/", oop), new ServerConfig.Application("/in", inproc)),
                new ServerConfig.LogFile(true, logs()))), RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        porter = Porter.start(config);
    }

    private RawHttp.Response send(byte[] header, String path) throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            http.send(header);
            return http.exchange(REQUEST.formatted(path));
        }
    }

    private static byte[] v1(String line) {
        return (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] v2(HAProxyCommand command, HAProxyProxiedProtocol protocol, String source, int sourcePort,
            String destination, int destinationPort) {
        EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, command, protocol, source, destination,
                sourcePort, destinationPort));
        ByteBuf out = encoder.readOutbound();
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.release();
        encoder.finishAndReleaseAll();
        return bytes;
    }

    @Test
    void v1HeaderNamesTheClientForTheOutOfProcessAppAndTheAccessLog() throws Exception {
        start(true);
        RawHttp.Response response = send(v1("PROXY TCP4 203.0.113.7 10.1.0.2 51234 80"), "/headers");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).containsIgnoringCase("X-Forwarded-For: 203.0.113.7:51234\n");
        assertThat(accessLogLines()).anyMatch(line -> line.contains(" /headers ") && line.contains(" 203.0.113.7 "));
    }

    @Test
    void v2HeaderNamesTheClientInProcessToo() throws Exception {
        start(true);
        RawHttp.Response in = send(v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "198.51.100.20", 40000,
                "10.1.0.2", 80), "/in/remote");
        assertThat(in.status()).as(in.bodyText()).isEqualTo(200);
        assertThat(in.bodyText()).isEqualTo("198.51.100.20:40000");
        RawHttp.Response six = send(v2(HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, "2001:db8::17", 443,
                "2001:db8::1", 80), "/headers");
        assertThat(six.bodyText()).containsIgnoringCase("X-Forwarded-For: [2001:db8::17]:443\n");
    }

    @Test
    void aLocalHeaderKeepsTheTcpPeerAsTheClient() throws Exception {
        start(true);
        RawHttp.Response in = send(v2(HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, 0, null, 0),
                "/in/remote");
        assertThat(in.bodyText()).startsWith("127.0.0.1:");
        RawHttp.Response unknown = send(v1("PROXY UNKNOWN"), "/in/remote");
        assertThat(unknown.bodyText()).startsWith("127.0.0.1:");
    }

    @Test
    void aConnectionWithoutAValidHeaderIsRefused() throws Exception {
        start(true);
        for (byte[] opening : List.of(new byte[0], v1("PROXY TCP4 not-an-address 10.1.0.2 1 80"),
                v1("PROXY TCP9 203.0.113.7 10.1.0.2 51234 80"))) {
            try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
                http.send(opening);
                http.send(REQUEST.formatted("/headers").getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(http.readUntilClose(), StandardCharsets.ISO_8859_1))
                        .as("answer to a connection opening with '%s'", new String(opening, StandardCharsets.US_ASCII))
                        .isEmpty();
            }
        }
        assertThat(backends.started()).as("no application was started for them").isEmpty();
        // The binding still serves connections that do send a header.
        assertThat(send(v1("PROXY TCP4 203.0.113.8 10.1.0.2 5 80"), "/headers").status()).isEqualTo(200);
    }

    @Test
    void withoutTheAttributeAHeaderIsNotReadAndThePeerIsTheClient() throws Exception {
        start(false);
        RawHttp.Response response = Backends.get(porter.port(), "/headers");
        assertThat(response.bodyText()).containsIgnoringCase("X-Forwarded-For: 127.0.0.1:");
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            RawHttp.Response refused = http.exchange("PROXY TCP4 203.0.113.7 10.1.0.2 51234 80\r\n"
                    + REQUEST.formatted("/headers"));
            assertThat(refused.status()).isEqualTo(400);
        }
    }

    private List<String> accessLogLines() {
        Path site = logs().resolve("W3SVC1");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isDirectory(site) && lines(site).stream()
                .anyMatch(l -> !l.startsWith("#")));
        return lines(site);
    }

    private static List<String> lines(Path site) {
        try (Stream<Path> files = Files.list(site)) {
            return files.flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
