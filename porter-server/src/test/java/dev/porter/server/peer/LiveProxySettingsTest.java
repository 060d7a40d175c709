package dev.porter.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.porter.Porter;
import dev.porter.config.NodeConfig;
import dev.porter.config.NodeConfigParser;
import dev.porter.config.ServerConfigParser;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testapps.inprocess.InProcessTestApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A farm node's forwarding settings follow a live porter.xml change, as its sites do: {@code <forwarding
 * trustedProxies>} applies to the next request (also on a connection opened before the change), a binding's
 * {@code proxyProtocol} to the next connection (one already open keeps what it began with; the application keeps
 * running), each change logged; a
 * changed {@code <node>} attribute, which only a start reads, is logged as needing a restart, naming it.
 */
class LiveProxySettingsTest {

    private static final String REQUEST = "GET /remote HTTP/1.1\r\nHost: farm.test\r\n%s\r\n";

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final Logger liveLog = (Logger) LoggerFactory.getLogger("dev.porter.config.live");
    private final Logger serverLog = (Logger) LoggerFactory.getLogger("dev.porter.server.PorterServer");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Porter porter;

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            liveLog.detachAppender(logged);
            serverLog.detachAppender(logged);
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private Path porterXml(String nodeElements, boolean proxyProtocol) {
        return TestApps.write(dir.resolve("porter.xml"), """
                <configuration><system.applicationHost>
                  %s
                  <sites><site name="Farm" id="1">
                    <bindings>
                      <binding protocol="http" bindingInformation="127.0.0.1:0:" proxyProtocol="%s" />
                    </bindings>
                    <application path="/" physicalPath="inproc" />
                  </site></sites>
                </system.applicationHost></configuration>
                """.formatted(nodeElements, proxyProtocol));
    }

    private List<String> logLines() {
        synchronized (logged.list) {
            return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The client the app sees for a request on a new connection, opened with {@code proxyHeader} (may be null). */
    private String remoteOnNewConnection(String proxyHeader, String forwardedFor) {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            if (proxyHeader != null) {
                http.send((proxyHeader + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            return remote(http, forwardedFor);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String remote(RawHttp http, String forwardedFor) throws IOException {
        RawHttp.Response response = http.exchange(REQUEST.formatted(
                forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n"));
        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        String body = response.bodyText();
        return body.substring(0, body.lastIndexOf(':'));
    }

    /** Whether a new connection that opens with no PROXY header is closed without an answer. */
    private boolean refusedWithoutHeader() {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 30_000)) {
            http.send(REQUEST.formatted("Connection: close\r\n").getBytes(StandardCharsets.US_ASCII));
            return http.readUntilClose().length == 0;
        } catch (IOException e) {
            return true; // reset: refused as well
        }
    }

    @Test
    void trustedProxiesAndProxyProtocolApplyLiveAndNodeSettingsAskForARestart() throws Exception {
        logged.start();
        liveLog.addAppender(logged);
        serverLog.addAppender(logged);
        TestApps.writeWebConfig(dir.resolve("inproc"), Map.of("processPath", "java", "arguments", "-cp "
                + Backends.classpath() + " " + InProcessTestApp.class.getName(), "hostingModel", "inprocess"),
                Map.of());
        Path file = porterXml("<node drainTime=\"00:00:00\" />", false);
        ServerConfigParser parser = new ServerConfigParser();
        NodeConfig node = new NodeConfigParser().parse(file, NodeConfig.DEFAULTS);
        porter = Porter.start(parser.parse(file), null, node);
        porter.reloadOnChange(file, parser);

        try (RawHttp kept = new RawHttp("127.0.0.1", porter.port(), 60_000)) {
            // Nobody trusted: a client's X-Forwarded-For decides nothing.
            assertThat(remote(kept, "203.0.113.7")).isEqualTo("127.0.0.1");
            String incarnation = kept.exchange("GET /incarnation HTTP/1.1\r\nHost: farm.test\r\n\r\n").bodyText();

            // <forwarding trustedProxies> added: believed on new connections and on the one already open.
            porterXml("<node drainTime=\"00:00:00\" /><forwarding trustedProxies=\"127.0.0.1\" />", false);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> remoteOnNewConnection(null, "203.0.113.7").equals("203.0.113.7"));
            assertThat(remote(kept, "203.0.113.8")).as("a connection opened before the change")
                    .isEqualTo("203.0.113.8");
            assertThat(logLines()).anyMatch(l -> l.contains("<forwarding trustedProxies> is now \"127.0.0.1\""));

            // proxyProtocol="true": new connections must open with a header; the open one goes on without.
            porterXml("<node drainTime=\"00:00:00\" /><forwarding trustedProxies=\"127.0.0.1\" />", true);
            await().atMost(Duration.ofSeconds(30)).until(this::refusedWithoutHeader);
            assertThat(remoteOnNewConnection("PROXY TCP4 198.51.100.9 10.1.0.2 5555 80", null))
                    .isEqualTo("198.51.100.9");
            assertThat(remote(kept, null)).as("a connection opened before the change").isEqualTo("127.0.0.1");
            assertThat(logLines()).anyMatch(l -> l.contains("http://127.0.0.1:0 now says proxyProtocol=\"true\""));
            assertThat(kept.exchange("GET /incarnation HTTP/1.1\r\nHost: farm.test\r\n\r\n").bodyText())
                    .as("the application kept running (how connections open is the front server's business)")
                    .isEqualTo(incarnation);

            // Both removed: plain connections again, and forwarding fields decide nothing.
            porterXml("<node drainTime=\"00:00:00\" />", false);
            await().atMost(Duration.ofSeconds(30)).until(() -> !refusedWithoutHeader()
                    && remoteOnNewConnection(null, "203.0.113.7").equals("127.0.0.1"));
            assertThat(remote(kept, "203.0.113.9")).isEqualTo("127.0.0.1");
            assertThat(kept.exchange("GET /incarnation HTTP/1.1\r\nHost: farm.test\r\n\r\n").bodyText())
                    .isEqualTo(incarnation);
            assertThat(logLines()).anyMatch(l -> l.contains("no longer says proxyProtocol=\"true\""))
                    .anyMatch(l -> l.contains("<forwarding trustedProxies> is now empty"));

            // A <node> attribute is read at start only: the change is logged, naming it, and the rest applies.
            porterXml("<node drainTime=\"00:00:07\" />", false);
            await().atMost(Duration.ofSeconds(30)).until(() -> logLines().stream().anyMatch(l -> l.contains(
                    "<node drainTime> changed from 'PT0S' to 'PT7S': it is read at start only; restart this node")));
            assertThat(remote(kept, null)).isEqualTo("127.0.0.1");

            // A bad list is refused with the start's own error (file, element, attribute, the entry) and nothing of
            // that change applies: the proxyProtocol="true" beside it neither.
            porterXml("<node drainTime=\"00:00:07\" /><forwarding trustedProxies=\"127.0.0.1, not-an-address\" />",
                    true);
            await().atMost(Duration.ofSeconds(30)).until(() -> logLines().stream().anyMatch(l -> l.contains(
                    "not applied; the running configuration stays") && l.contains("trustedProxies")
                    && l.contains("not-an-address")));
            assertThat(remoteOnNewConnection(null, "203.0.113.7")).isEqualTo("127.0.0.1");
        }
    }
}
