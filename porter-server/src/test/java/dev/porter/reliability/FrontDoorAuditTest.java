package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import dev.porter.server.errors.HttpDate;
import dev.porter.testing.RawHttp;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front-door holes an outside audit found (issue #14, items 8, 10, 11, 12), each end to end through a real Porter:
 * an HTTP/2 {@code :path} never becomes something other than an RFC 9112 request target on a backend's request line;
 * header names with {@code _} (and look-alikes of framing, hop-by-hop and forwarding fields) never reach an app unless
 * {@code webLimits underscoresInHeaders} lets the harmless ones through; {@code Date} is an IMF-fixdate; and a client's
 * {@code MS-ASPNETCORE-*} field never reaches an in-process app.
 */
class FrontDoorAuditTest {

    @TempDir
    Path dir;

    private static ServerConfig.WebLimits h2c() {
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        return new ServerConfig.WebLimits(d.connectionTimeout(), d.headerWaitTimeout(), d.maxRequestBytes(), true,
                d.http2MaxConcurrentStreams());
    }

    /** Sends one HTTP/2 GET with this {@code :path} and returns what the backend saw on its request line. */
    private static Seen h2(Front front, String path) throws IOException {
        int before = front.seen().size();
        try (RawH2Client client = new RawH2Client(front.port(), 64 * 1024, 65_535, 0)) {
            int stream = client.get(path);
            assertThat(client.readStatus(stream)).as("status of %s", path).isEqualTo("200");
        }
        List<Seen> seen = front.seen();
        assertThat(seen).hasSize(before + 1);
        return seen.get(before);
    }

    @Test
    void anHttp2PathNeverPicksTheBackendsRequestLine() throws Exception {
        try (Front front = Front.start(Front.Leg.FORWARDED, dir, h2c())) {
            // Before: "GET /app/x?a b HTTP/1.0 HTTP/1.1" - the client chose the query and version the app saw.
            Seen spaces = h2(front, "/app/x?a b HTTP/1.0");
            assertThat(spaces.problem()).isNull();
            assertThat(spaces.target()).isEqualTo("/app/x?a%20b%20HTTP/1.0");
            Seen odd = h2(front, "/p q/\"<x>\"?k={v}|^`\\[]");
            assertThat(odd.problem()).isNull();
            assertThat(odd.target()).isEqualTo("/p%20q/%22%3Cx%3E%22?k=%7Bv%7D%7C%5E%60%5C%5B%5D");
            Seen loneEscape = h2(front, "/ok?discount=100%&x=%41");
            assertThat(loneEscape.target()).isEqualTo("/ok?discount=100%25&x=%41");
            Seen latin1 = h2(front, "/caf\u00e9?q=\u00e9");
            assertThat(latin1.target()).isEqualTo("/caf%C3%A9?q=%E9"); // the path cooked as UTF-8, the query's byte
        }
    }

    @Test
    void anInProcessAppGetsTheSameCleanTargetOverHttp2() throws Exception {
        try (Front front = Front.start(Front.Leg.IN_PROCESS, dir, h2c())) {
            assertThat(h2(front, "/app/x?a b HTTP/1.0").target()).isEqualTo("/app/x?a%20b%20HTTP/1.0");
            assertThat(h2(front, "/p q?k={v}").target()).isEqualTo("/p%20q?k=%7Bv%7D");
        }
    }

    @Test
    void headerNamesWithUnderscoresAreDroppedByDefault() throws Exception {
        try (Front front = Front.start(Front.Leg.FORWARDED, dir.resolve("default"))) {
            Seen seen = http1(front, "X_Forwarded_For: 6.6.6.6\r\nContent_Length: 5\r\nTransfer_Encoding: chunked\r\n"
                    + "X_Custom: 1\r\nX-Forwarded.For: 7.7.7.7\r\nX-Kept: yes\r\n");
            assertThat(seen.problem()).isNull();
            assertThat(seen.headers().stream().map(h -> h[0]))
                    .noneMatch(n -> n.contains("_") || n.contains("."));
            assertThat(seen.headers("X-Forwarded-For")).singleElement().satisfies(v -> assertThat(v)
                    .startsWith("127.0.0.1:").doesNotContain("6.6.6.6").doesNotContain("7.7.7.7"));
            assertThat(seen.headers("X-Kept")).containsExactly("yes");
        }
    }

    @Test
    void theOptionKeepsUnderscoresButNeverLookAlikesOfFramingOrForwardingFields() throws Exception {
        try (Front front = Front.start(Front.Leg.FORWARDED, dir.resolve("keep"),
                ServerConfig.WebLimits.DEFAULTS.withUnderscoresInHeaders(true))) {
            Seen seen = http1(front, "X_Forwarded_For: 6.6.6.6\r\nContent_Length: 5\r\nTransfer_Encoding: chunked\r\n"
                    + "x_forwarded_proto: https\r\nX_Custom: 1\r\n");
            assertThat(seen.problem()).isNull();
            assertThat(seen.headers("X_Custom")).containsExactly("1");
            assertThat(seen.headers().stream().map(h -> h[0]).filter(n -> n.contains("_"))).containsExactly("X_Custom");
            assertThat(seen.headers("X-Forwarded-Proto")).containsExactly("http");
        }
    }

    @Test
    void aClientsPairingTokenNeverReachesAnInProcessApp() throws Exception {
        try (Front front = Front.start(Front.Leg.IN_PROCESS, dir)) {
            Seen seen = http1(front, "MS-ASPNETCORE-TOKEN: forged\r\nms-aspnetcore-event: shutdown\r\n"
                    + "MS-ASPNETCORE-USER: admin\r\nX-Kept: yes\r\n");
            assertThat(seen.msAspNetCoreNames()).isEmpty();
            assertThat(seen.headers("X-Kept")).containsExactly("yes");
        }
    }

    @Test
    void dateIsAnImfFixdate() throws Exception {
        assertThat(HttpDate.format(Instant.parse("2026-12-07T08:05:26Z"))).isEqualTo("Mon, 07 Dec 2026 08:05:26 GMT");
        try (Front front = Front.start(Front.Leg.IN_JVM, dir); RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r.header("Date")).hasValueSatisfying(d -> assertThat(d)
                    .matches("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"));
        }
    }

    private static Seen http1(Front front, String fields) throws IOException {
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("GET /h HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n").status()).isEqualTo(200);
        }
        List<Seen> seen = front.seen();
        assertThat(seen).hasSize(before + 1);
        return seen.get(before);
    }
}
