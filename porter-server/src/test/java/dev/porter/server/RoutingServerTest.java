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

/** Routing on a real server: two sites share a port (one by Host name); a path no application owns gets 404. */
class RoutingServerTest {

    @TempDir
    Path dir;

    private PorterServer server;

    @BeforeEach
    void start() throws Exception {
        ServerConfig.LogFile noLog = new ServerConfig.LogFile(false, dir);
        ServerConfig config = new ServerConfig(dir.resolve("porter.xml"), List.of(
                new ServerConfig.Site("named", 1, List.of(new ServerConfig.Binding("http", "127.0.0.1", 0,
                        "named.test")), List.of(new ServerConfig.Application("/", dir)), noLog),
                new ServerConfig.Site("default", 2, List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                        List.of(new ServerConfig.Application("/api", dir)), noLog)),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        server = new PorterServer(config, (site, app) -> exchange -> exchange.respond(HttpResponseStatus.OK, null,
                (site.name() + " " + app.path()).getBytes(StandardCharsets.US_ASCII)), AccessLog.NONE);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RawHttp.Response get(String host, String path) throws Exception {
        try (RawHttp http = new RawHttp(server.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        }
    }

    @Test
    void routesByHostNameOnASharedPort() throws Exception {
        assertThat(get("named.test", "/x").bodyText()).isEqualTo("named /");
        assertThat(get("NAMED.test:" + server.port(), "/api").bodyText()).isEqualTo("named /");
        assertThat(get("other.test", "/api/x").bodyText()).isEqualTo("default /api");
        assertThat(get("[::1]:" + server.port(), "/api").bodyText()).isEqualTo("default /api");
    }

    @Test
    void answers404WhenNoApplicationOwnsThePath() throws Exception {
        RawHttp.Response r = get("other.test", "/elsewhere");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.bodyText()).contains("No site or application");
    }
}
