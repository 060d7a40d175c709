package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.EchoHosting;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The front server's HTTP/1.1 behaviour, against a real server on a loopback port, with raw sockets. */
class FrontServerTest {

    @TempDir
    Path dir;

    private Porter porter;

    @BeforeEach
    void start() throws Exception {
        Path root = dir.resolve("root");
        Path api = dir.resolve("api");
        TestApps.writeWebConfig(root, Map.of("processPath", "unused"), Map.of());
        TestApps.writeWebConfig(api, Map.of("processPath", "unused"), Map.of());
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", root);
        apps.put("/api", api);
        EchoHosting echo = new EchoHosting();
        porter = Porter.start(TestApps.server(apps), ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, echo, HostingModel.IN_PROCESS, echo));
    }

    @AfterEach
    void stop() {
        porter.stop();
    }

    @Test
    void routesToTheLongestApplicationPrefixOnASegmentBoundary() throws Exception {
        try (RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange("GET /api/x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n").bodyText())
                    .isEqualTo("GET /api/x y=1\n/api\n");
            assertThat(http.exchange("GET /API HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).endsWith("\n/api\n");
            assertThat(http.exchange("GET /apiary HTTP/1.1\r\nHost: a\r\n\r\n").bodyText()).endsWith("\n/\n");
        }
    }

    @Test
    void refusesContentLengthWithTransferEncodingAndCloses() throws Exception {
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
        }
    }

    @Test
    void answersPipelinedRequestsInOrderOnOneConnection() throws Exception {
        try (RawHttp http = new RawHttp(porter.port())) {
            http.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /api/3 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(http.readResponse().bodyText()).startsWith("GET /1 ");
            assertThat(http.readResponse().bodyText()).isEqualTo("POST /2 null\n/\nabc");
            assertThat(http.readResponse().bodyText()).startsWith("GET /api/3 ");
        }
    }
}
