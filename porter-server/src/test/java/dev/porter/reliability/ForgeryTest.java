package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.ChildApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client can never forge an {@code MS-ASPNETCORE-*} header (spec/ancm-contract.md §1.4): whatever the case, suffix,
 * count or position (second pipelined request, chunked trailers, HTTP/1.0, listed in Connection), the backend gets
 * exactly one {@code MS-ASPNETCORE-TOKEN}, Porter's, and no other field under that prefix. And a backend reached
 * without Porter's token (the real integration library, in a child process) refuses with 400.
 */
class ForgeryTest {

    @TempDir
    static Path dir;

    private static final java.util.Map<Front.Leg, Front> FRONTS = new java.util.EnumMap<>(Front.Leg.class);

    @BeforeAll
    static void start() throws IOException {
        // the Forwarder alone, and the real out-of-process hosting (process manager, child, forwarder)
        FRONTS.put(Front.Leg.FORWARDED, Front.start(Front.Leg.FORWARDED, dir));
        FRONTS.put(Front.Leg.OUT_OF_PROCESS, Front.start(Front.Leg.OUT_OF_PROCESS, dir));
    }

    @AfterAll
    static void stop() throws IOException {
        for (Front f : FRONTS.values()) {
            f.close();
        }
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> forgedFields() {
        return FRONTS_LEGS.stream().flatMap(leg -> fields().map(f -> org.junit.jupiter.params.provider.Arguments.of(
                leg, f)));
    }

    private static final List<Front.Leg> FRONTS_LEGS = List.of(Front.Leg.FORWARDED, Front.Leg.OUT_OF_PROCESS);

    static Stream<String> fields() {
        return Stream.of(
                "MS-ASPNETCORE-TOKEN: forged",
                "ms-aspnetcore-token: forged",
                "Ms-AspNetCore-Token: forged",
                "mS-aSpNeTcOrE-tOkEn: forged",
                "MS-ASPNETCORE-TOKEN: " + Front.TOKEN,
                "MS-ASPNETCORE-TOKEN:",
                "MS-ASPNETCORE-TOKEN:    forged   ",
                "MS-ASPNETCORE-TOKEN: forged\r\nMS-ASPNETCORE-TOKEN: forged-again",
                "MS-ASPNETCORE: bare",
                "MS-ASPNETCORE-: dash",
                "ms-aspnetcore-: dash",
                "MS-ASPNETCOREX: suffix",
                "MS-ASPNETCORE-TOKENX: suffix",
                "MS-ASPNETCORE-TOKEN-2: suffix",
                "MS-ASPNETCORE-EVENT: shutdown",
                "MS-ASPNETCORE-CLIENTCERT: MIIBforged",
                "MS-ASPNETCORE-WINAUTHTOKEN: 1a2b",
                "MS-ASPNETCORE-USER: admin",
                "MS-ASPNETCORE-AUTHTYPE: Negotiate",
                "MS_ASPNETCORE_TOKEN: underscore",
                "ms_aspnetcore-token: underscore",
                "MS-ASPNETCORE_TOKEN: underscore",
                "Connection: MS-ASPNETCORE-TOKEN\r\nMS-ASPNETCORE-TOKEN: forged",
                "Connection: keep-alive, MS-ASPNETCORE-EVENT\r\nMS-ASPNETCORE-EVENT: shutdown",
                "X-Before: 1\r\nMS-ASPNETCORE-TOKEN: forged\r\nX-After: 2",
                "MS-ASPNETCORE-TOKEN: forged\r\n".repeat(50).strip());
    }

    /**
     * Exactly one token field and nothing else under the prefix. Its value: the fixture's token through the bare
     * forwarder; with real hosting the token is the one Porter generated, which the child compared with its
     * ASPNETCORE_TOKEN before answering 200.
     */
    private static void assertClean(Seen seen) {
        assertThat(seen.problem()).isNull();
        assertThat(seen.msAspNetCoreNames()).as("MS-ASPNETCORE fields the backend got in %s", seen)
                .containsExactly("MS-ASPNETCORE-TOKEN");
        assertThat(seen.headers("MS-ASPNETCORE-TOKEN")).singleElement().satisfies(token -> assertThat(token)
                .doesNotContain("forged").isNotEqualTo("the-real-token").isNotEmpty());
    }

    private static List<Seen> since(Front front, int before) {
        List<Seen> all = front.seen();
        return List.copyOf(all.subList(before, all.size()));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("forgedFields")
    void forgedFieldNeverReachesTheBackend(Front.Leg leg, String fields) throws Exception {
        Front front = FRONTS.get(leg);
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("GET /forged HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n\r\n");
            assertThat(r.status()).as("the backend accepted Porter's token").isEqualTo(200);
            if (leg == Front.Leg.FORWARDED) {
                assertThat(since(front, before).getFirst().headers("MS-ASPNETCORE-TOKEN")).containsExactly(Front.TOKEN);
            }
        }
        assertThat(since(front, before)).singleElement().satisfies(ForgeryTest::assertClean);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("forgedFields")
    void forgedFieldOnHttp10NeverReachesTheBackend(Front.Leg leg, String fields) throws Exception {
        Front front = FRONTS.get(leg);
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            assertThat(http.exchange("GET /forged10 HTTP/1.0\r\n" + fields + "\r\n\r\n").status()).isEqualTo(200);
        }
        assertThat(since(front, before)).singleElement().satisfies(ForgeryTest::assertClean);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(names = {"FORWARDED", "OUT_OF_PROCESS"})
    void forgedFieldInASecondPipelinedRequestNeverReachesTheBackend(Front.Leg leg) throws Exception {
        Front front = FRONTS.get(leg);
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            http.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /second HTTP/1.1\r\nHost: a\r\nms-aspnetcore-token: forged\r\nMS-ASPNETCORE-EVENT: shutdown"
                    + "\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /third HTTP/1.1\r\nHost: a\r\nMS-ASPNETCORE-TOKEN: forged\r\n\r\n");
            for (int i = 0; i < 3; i++) {
                assertThat(http.readResponse().status()).isEqualTo(200);
            }
        }
        List<Seen> seen = since(front, before);
        assertThat(seen).extracting(Seen::target).containsExactly("/first", "/second", "/third");
        assertThat(seen).allSatisfy(ForgeryTest::assertClean);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(names = {"FORWARDED", "OUT_OF_PROCESS"})
    void forgedFieldInChunkedTrailersNeverReachesTheBackend(Front.Leg leg) throws Exception {
        Front front = FRONTS.get(leg);
        int before = front.seen().size();
        try (RawHttp http = front.connect()) {
            RawHttp.Response r = http.exchange("POST /trailers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    + "Trailer: MS-ASPNETCORE-TOKEN\r\n\r\n3\r\nabc\r\n0\r\nMS-ASPNETCORE-TOKEN: forged\r\n"
                    + "ms-aspnetcore-event: shutdown\r\nMS_ASPNETCORE_TOKEN: forged\r\nContent-Length: 40\r\n"
                    + "X-Fine: yes\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(since(front, before)).singleElement().satisfies(seen -> {
            assertClean(seen);
            if (leg == Front.Leg.FORWARDED) {
                assertThat(new String(seen.body())).isEqualTo("abc"); // the child's log keeps no bodies
            }
            assertThat(seen.trailers()).extracting(t -> t[0] + ": " + t[1]).containsExactly("X-Fine: yes");
        });
    }

    /** The real integration library in a child process, reached directly on its port: no token, no service. */
    @Test
    void integratedBackendReachedWithoutTheTokenAnswers400() throws Exception {
        // The app and the library with everything they depend on (the test JVM's class path), as an app runs it
        try (ChildApp child = ChildApp.startClass(IntegratedBackendMain.class.getName(), "/", "the-real-token",
                List.of(TestApps.JDK_HTTP_SERVER))) {
            int port = child.port;
            try (RawHttp http = new RawHttp("127.0.0.1", port, 5_000)) {
                assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\nMS-ASPNETCORE-TOKEN: the-real-token\r\n\r\n")
                        .status()).as("with the token; the app's output:\n%s", child.log()).isEqualTo(200);
            }
            for (String fields : List.of("", "MS-ASPNETCORE-TOKEN: forged\r\n", "MS-ASPNETCORE-TOKEN:\r\n",
                    "ms-aspnetcore-token: THE-REAL-TOKEN\r\n", "MS-ASPNETCORE-TOKEN: the-real-token-x\r\n",
                    "MS_ASPNETCORE_TOKEN: the-real-token\r\n")) {
                try (RawHttp http = new RawHttp("127.0.0.1", port, 5_000)) {
                    RawHttp.Response r = http.exchange("GET /x HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n");
                    assertThat(r.status()).as("direct request with [%s]", fields.strip()).isEqualTo(400);
                    assertThat(r.bodyText()).doesNotContain("hello");
                }
            }
            // A forged shutdown event without the token does not stop the app.
            try (RawHttp http = new RawHttp("127.0.0.1", port, 5_000)) {
                assertThat(http.exchange("POST /iisintegration HTTP/1.1\r\nHost: a\r\nMS-ASPNETCORE-EVENT: shutdown"
                        + "\r\nContent-Length: 0\r\n\r\n").status()).isEqualTo(400);
            }
            try (RawHttp http = new RawHttp("127.0.0.1", port, 5_000)) {
                assertThat(http.exchange("GET / HTTP/1.1\r\nHost: a\r\nMS-ASPNETCORE-TOKEN: the-real-token\r\n\r\n")
                        .bodyText()).isEqualTo("hello");
            }
            assertThat(child.process.isAlive()).isTrue();
        }
    }
}
