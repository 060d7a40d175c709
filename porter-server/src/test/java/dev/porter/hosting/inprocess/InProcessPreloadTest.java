package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IIS application preload in-process (issue #14 item 4): with {@code preloadEnabled="true"} the app domain starts with
 * the server and again right after a recycle, each time without a request (event 1032 says it started).
 */
class InProcessPreloadTest {

    @TempDir
    Path dir;

    private final EventLog events = new EventLog();
    private Porter porter;

    @AfterEach
    void stop() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            events.close();
        }
    }

    @Test
    void aPreloadedAppStartsWithTheServerAndAfterEachRecycle() throws Exception {
        Path app = dir.resolve("app");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess"), Map.of());
        ServerConfig plain = TestApps.server(Map.of("/", app));
        ServerConfig.Site site = plain.sites().getFirst();
        porter = Porter.start(new ServerConfig(plain.file(), List.of(new ServerConfig.Site(site.name(), site.id(),
                site.bindings(), List.of(new ServerConfig.Application("/", app.toAbsolutePath(), true)),
                site.logFile())), RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS));
        // before: nothing started until the first request
        await().atMost(Duration.ofSeconds(20)).until(() -> events.events(1032).size() == 1);
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess"), Map.of("CHANGED", "yes"));
        await().atMost(Duration.ofSeconds(20)).until(() -> events.events(1032).size() == 2);
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET /env?name=CHANGED HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(r.bodyText()).isEqualTo("yes");
        }
        assertThat(events.events(1032)).hasSize(2);
    }
}
