package dev.porter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.porter.config.ConfigException;
import dev.porter.config.ServerConfigParser;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * porter.xml changes apply live (issue #16 item 6): an added application, site and binding serve without a restart;
 * a broken file is refused with the error the start gives and the running configuration stays; removing them stops
 * their applications and closes their listener. The application that did not change keeps its process and its
 * client's keep-alive connection throughout.
 */
class LiveReconfigurationTest {

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final Logger liveLog = (Logger) LoggerFactory.getLogger("dev.porter.config.live");
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
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private List<String> logLines() {
        synchronized (logged.list) {
            return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private Path porterXml(String sites) {
        return TestApps.write(dir.resolve("porter.xml"), """
                <configuration><system.applicationHost><sites>
                %s
                </sites></system.applicationHost></configuration>
                """.formatted(sites));
    }

    private static String site(String name, int id, String binding, String applications) {
        return """
                <site name="%s" id="%d">
                  <bindings><binding protocol="http" bindingInformation="%s" /></bindings>
                  %s
                </site>
                """.formatted(name, id, binding, applications);
    }

    private static String application(String path, String physicalPath) {
        return "<application path=\"" + path + "\" physicalPath=\"" + physicalPath + "\" />";
    }

    private static RawHttp.Response get(InetSocketAddress address, String path) {
        try (RawHttp http = new RawHttp(address.getHostString(), address.getPort(), 60_000)) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void sitesBindingsAndApplicationsComeAndGoWithoutARestart() throws Exception {
        logged.start();
        liveLog.addAppender(logged);
        for (String app : List.of("one", "two", "three")) {
            TestApps.writeWebConfig(dir.resolve(app), Backends.attributes(List.of()), Map.of());
        }
        String siteA = site("A", 1, "127.0.0.1:0:", application("/", "one"));
        Path file = porterXml(siteA);
        ServerConfigParser parser = new ServerConfigParser();
        porter = Porter.start(parser.parse(file));
        porter.reloadOnChange(file, parser);
        InetSocketAddress a = porter.listenAddresses().getFirst();

        try (RawHttp kept = new RawHttp(a.getHostString(), a.getPort(), 60_000)) {
            String pid = kept.exchange("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText();

            // added: an application in site A, and a site B with a binding of its own (a new listener)
            porterXml(site("A", 1, "127.0.0.1:0:", application("/", "one") + application("/two", "two"))
                    + site("B", 2, "127.0.0.2:0:", application("/", "three")));
            await().atMost(Duration.ofSeconds(30)).until(() -> porter.listenAddresses().size() == 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/two/pid").status() == 200);
            InetSocketAddress b = porter.listenAddresses().stream()
                    .filter(x -> x.getAddress().getHostAddress().equals("127.0.0.2")).findFirst().orElseThrow();
            assertThat(get(b, "/env/ASPNETCORE_APPL_PATH").bodyText()).isEqualTo("/");
            String twoPid = get(a, "/two/pid").bodyText();
            assertThat(kept.exchange("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText()).isEqualTo(pid);

            // broken: refused with the start's own error; everything keeps running
            Path broken = porterXml(site("A", 1, "127.0.0.1:0:", application("/", "one")
                    + "<application path=\"/two\" physicalPath=\"two\" preloadEnabled=\"maybe\" />"));
            String expected = errorOf(parser, broken);
            await().atMost(Duration.ofSeconds(30)).until(() -> logLines().stream().anyMatch(l -> l.contains(expected)));
            assertThat(logLines()).anyMatch(l -> l.contains("not applied; the running configuration stays"));
            assertThat(get(a, "/two/pid").bodyText()).isEqualTo(twoPid);
            assertThat(get(b, "/pid").status()).isEqualTo(200);

            // removed: the application and the site with its listener; their processes stop
            porterXml(siteA);
            await().atMost(Duration.ofSeconds(30)).until(() -> porter.listenAddresses().size() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(Long.parseLong(twoPid)));
            assertThat(get(a, "/two/x").bodyText()).as("now the root application's")
                    .isEqualTo("Hello from TestBackend " + pid + " GET /two/x");
            assertThatThrownBy(() -> get(b, "/pid")).hasRootCauseInstanceOf(java.net.ConnectException.class);
            assertThat(kept.exchange("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText()).isEqualTo(pid);
        }
    }

    /**
     * A server stop waits for an application the configuration removed. Its process answers the shutdown message but
     * goes on running, so only its kill after {@code shutdownTimeLimit} ends it; a stop that returned first would let
     * the server's exit cut that stop short (in production) and leave it running (here).
     */
    @Test
    void aServerStopWaitsForTheStopOfAnApplicationTheConfigurationRemoved() throws Exception {
        TestApps.writeWebConfig(dir.resolve("one"), Backends.attributes(List.of()), Map.of());
        TestApps.writeWebConfig(dir.resolve("two"), Backends.attributes(List.of("--ignore-shutdown"),
                "shutdownTimeLimit", "10"), Map.of());
        String siteA = site("A", 1, "127.0.0.1:0:", application("/", "one"));
        Path file = porterXml(site("A", 1, "127.0.0.1:0:", application("/", "one") + application("/two", "two")));
        ServerConfigParser parser = new ServerConfigParser();
        porter = Porter.start(parser.parse(file));
        porter.reloadOnChange(file, parser);
        InetSocketAddress a = porter.listenAddresses().getFirst();
        long two = Long.parseLong(get(a, "/two/pid").bodyText());
        String rootPid = get(a, "/pid").bodyText();

        porterXml(siteA);
        await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/two/x").bodyText()
                .equals("Hello from TestBackend " + rootPid + " GET /two/x"));
        assertThat(Backends.alive(two)).as("the removed application's process, which ignores the shutdown message")
                .isTrue();

        porter.stop();

        assertThat(Backends.alive(two)).as("the removed application's process, once the server's stop has returned")
                .isFalse();
    }

    @Test
    void aChangedApplicationIsReplacedAndAHostNameBindingTakesEffect() throws Exception {
        for (String app : List.of("one", "two")) {
            TestApps.writeWebConfig(dir.resolve(app), Backends.attributes(List.of()), Map.of("WHICH", app));
        }
        Path file = porterXml(site("A", 1, "127.0.0.1:0:", application("/", "one")));
        ServerConfigParser parser = new ServerConfigParser();
        porter = Porter.start(parser.parse(file));
        porter.reloadOnChange(file, parser);
        InetSocketAddress a = porter.listenAddresses().getFirst();
        long first = Long.parseLong(get(a, "/pid").bodyText());

        // the same virtual path now points elsewhere: the old application stops, the new one serves
        porterXml(site("A", 1, "127.0.0.1:0:", application("/", "two")));
        await().atMost(Duration.ofSeconds(30)).until(() -> get(a, "/env/WHICH").bodyText().equals("two"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(first));

        // a site for one host name on the same listener: requests for that host go to it, the rest stay
        TestApps.writeWebConfig(dir.resolve("one"), Backends.attributes(List.of()), Map.of("WHICH", "one"));
        porterXml(site("A", 1, "127.0.0.1:0:", application("/", "two"))
                + site("B", 2, "127.0.0.1:0:b.example", application("/", "one")));
        await().atMost(Duration.ofSeconds(30)).until(() -> hostGet(a, "b.example", "/env/WHICH").equals("one"));
        assertThat(get(a, "/env/WHICH").bodyText()).isEqualTo("two");
        assertThat(porter.listenAddresses()).hasSize(1);
    }

    private static String hostGet(InetSocketAddress address, String host, String path) {
        try (RawHttp http = new RawHttp(address.getHostString(), address.getPort(), 60_000)) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").bodyText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String errorOf(ServerConfigParser parser, Path file) {
        try {
            parser.parse(file);
            throw new AssertionError(file + " parsed");
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }
}
