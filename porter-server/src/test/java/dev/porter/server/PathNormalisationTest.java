package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path is normalised before routing (issue #14 item 9): runs of {@code /}, also ones a client percent-encoded
 * ({@code %2F}), are merged as IIS and nginx do, so {@code //app/x} is {@code /app}'s, never the root application's
 * with a path its framework might merge into {@code /app}'s routes.
 */
class PathNormalisationTest {

    @TempDir
    Path dir;

    private PorterServer server;

    @BeforeEach
    void start() throws Exception {
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(
                new ServerConfig.Site("site", 1, List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                        List.of(new ServerConfig.Application("/", dir), new ServerConfig.Application("/app", dir)),
                        new ServerConfig.LogFile(false, dir))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        server = new PorterServer(config, (site, app) -> exchange -> exchange.respond(HttpResponseStatus.OK, null,
                (app.path() + " " + exchange.target().cookedPath()).getBytes(StandardCharsets.UTF_8)),
                AccessLog.NONE);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String get(String path) throws Exception {
        try (RawHttp http = new RawHttp(server.port())) {
            RawHttp.Response r = http.exchange("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).as(path).isEqualTo(200);
            return r.bodyText();
        }
    }

    @Test
    void doubledSlashesRouteToTheApplicationTheyName() throws Exception {
        assertThat(get("//app/x")).isEqualTo("/app /app/x");
        assertThat(get("/%2Fapp/x")).isEqualTo("/app /app/x");
        assertThat(get("/%2fapp//x")).isEqualTo("/app /app/x");
        assertThat(get("///app")).isEqualTo("/app /app");
        assertThat(get("/app//x///y/")).isEqualTo("/app /app/x/y/");
        assertThat(get("//other//a/../b")).isEqualTo("/ /other/b");
        assertThat(get("/")).isEqualTo("/ /");
    }
}
