package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beyond ANCM (issue #16 item 3): {@code <application queueLength>} bounds the requests an application holds at once;
 * one more is answered 503 with {@code Retry-After} at once, and the application takes requests again as soon as the
 * ones it holds end. Other applications are not affected.
 */
class QueueLengthTest {

    private static final int QUEUE_LENGTH = 4;

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    @Test
    void aFullQueueAnswers503WithRetryAfterAndEmptiesAsRequestsEnd() throws Exception {
        Path app = dir.resolve("app");
        Path other = dir.resolve("other");
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        TestApps.writeWebConfig(other, Backends.attributes(List.of()), Map.of());
        ServerConfig plain = TestApps.server(Map.of("/", app));
        ServerConfig.Site site = plain.sites().getFirst();
        hosted.start(new ServerConfig(plain.file(), List.of(new ServerConfig.Site(site.name(), site.id(),
                site.bindings(), List.of(new ServerConfig.Application("/", app.toAbsolutePath(), false, false,
                        QUEUE_LENGTH), new ServerConfig.Application("/other", other.toAbsolutePath())),
                site.logFile())), RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS));
        assertThat(hosted.get("/pid").status()).isEqualTo(200);

        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < QUEUE_LENGTH; i++) {
                RawHttp http = new RawHttp("127.0.0.1", hosted.porter().port(), 60_000);
                held.add(http);
                http.send("GET /sleep?ms=120000 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 503);
            RawHttp.Response full = hosted.get("/pid");
            assertThat(full.status()).isEqualTo(503);
            assertThat(full.header("Retry-After")).contains("1");
            assertThat(full.bodyText()).contains("HTTP Error 503.2").contains("queueLength");
            assertThat(hosted.get("/other/pid").status()).as("another application").isEqualTo(200);
        } finally {
            for (RawHttp http : held) {
                http.close(); // the client goes: the requests it had end, and leave the queue
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/pid").status() == 200);
    }
}
