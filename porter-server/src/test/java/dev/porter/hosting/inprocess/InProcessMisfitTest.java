package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 4: an in-process app that opens a listening socket of its own is named (log and 500.30 page), and the
 * socket is closed when its domain is retired, so the next start can bind the same port again.
 */
class InProcessMisfitTest {

    @TempDir
    Path dir;

    private Porter porter;
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
        events.close();
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"own-channel", "own-socket"})
    void anAppWithItsOwnServerIsNamedAndItsPortClosed(String mode) throws Exception {
        Path appDir = dir.resolve(mode);
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-jar app.jar " + mode,
                "hostingModel", "inprocess"), Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));

        RawHttp.Response r = get("/hello");
        assertThat(r.status()).isEqualTo(500);
        java.util.regex.Matcher found = java.util.regex.Pattern.compile("own server on 127\\.0\\.0\\.1:(\\d+)")
                .matcher(r.bodyText());
        assertThat(found.find()).as(r.bodyText()).isTrue();
        int port = Integer.parseInt(found.group(1));
        String named = "the app opened its own server on 127.0.0.1:" + port
                + "; it needs hostingModel=&quot;outofprocess&quot;";
        assertThat(r.bodyText()).contains("HTTP Error 500.30").containsIgnoringCase(named)
                .doesNotContain("Program.Main");
        assertThat(events.messages()).anyMatch(m -> m.contains("the app opened its own server on 127.0.0.1:" + port
                + "; it needs hostingModel=\"outofprocess\""));

        // Retired: the port is closed inside Porter's JVM ...
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                        .isInstanceOf(ConnectException.class));
        // ... so the next start (which binds the port the first one wrote down, if it got that far) is named again,
        // never "Address already in use".
        await().atMost(Duration.ofSeconds(30)).until(() -> events.messages().stream()
                .filter(m -> m.contains("opened its own server on 127.0.0.1:")).count() >= 2 | !quietGet());
        assertThat(events.messages()).noneMatch(m -> m.contains("Address already in use"));
    }

    /** A request that starts the app again; false only when the server did not answer. */
    private boolean quietGet() {
        try {
            return get("/hello").status() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    @org.junit.jupiter.api.Test
    void aSpringBootJarIsRecognisedFromItsManifestAndAnsweredWithOneSentence() throws Exception {
        Path appDir = dir.resolve("boot");
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        java.util.jar.Attributes main = manifest.getMainAttributes();
        main.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(java.util.jar.Attributes.Name.MAIN_CLASS, "org.springframework.boot.loader.launch.JarLauncher");
        main.putValue("Start-Class", "com.example.DemoApplication");
        main.putValue("Spring-Boot-Version", "3.5.0");
        java.nio.file.Files.createDirectories(appDir);
        try (var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(
                appDir.resolve("demo.jar")), manifest)) {
            out.putNextEntry(new java.util.jar.JarEntry("BOOT-INF/classes/"));
            out.closeEntry();
        }
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-jar demo.jar",
                "hostingModel", "inprocess"), Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        RawHttp.Response r = get("/");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.0").contains("&#39;demo.jar&#39; is a Spring Boot jar "
                + "(Spring Boot 3.5.0, Start-Class com.example.DemoApplication) that starts its own embedded web "
                + "server, which Porter&#39;s in-process JDK HttpServer host cannot serve: run it with "
                + "hostingModel=&quot;outofprocess&quot;.");
        assertThat(events.events(1031)).singleElement().asString().contains("is a Spring Boot jar");
    }

    @org.junit.jupiter.api.Test
    void connectionsTheAppLeftOpenAreClosedWhenItsDomainIsRetired() throws Exception {
        Path appDir = dir.resolve("connected");
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        Map<String, String> attributes = Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess");
        TestApps.writeWebConfig(appDir, attributes, Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        try (java.net.ServerSocket peer = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(get("/connect?port=" + peer.getLocalPort()).bodyText()).isEqualTo("connected");
            try (Socket accepted = peer.accept()) {
                accepted.setSoTimeout(60_000);
                TestApps.writeWebConfig(appDir, attributes, Map.of("RECYCLE", "1"));
                // The app never closes it; retiring its domain does: the peer reads end-of-stream.
                assertThat(accepted.getInputStream().read()).isEqualTo(-1);
            }
        }
        assertThat(get("/hello").bodyText()).isEqualTo("hello");
    }
}
