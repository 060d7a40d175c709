package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.RawHttp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the hostile request corpus ({@code reliability/hostile-requests.txt}: request smuggling, TE/CL
 * obfuscations, chunk framing, bare LF, obs-fold, control characters, oversized heads, bad methods and versions,
 * absolute-form and CONNECT, Expect abuse, pipelined tails, non-HTTP bytes...) against a real Porter, once through
 * the out-of-process forwarder to a strict raw-socket recording backend, once to an in-JVM recording handler, and
 * with Porter's real hosting: the strict recording backend as an out-of-process child started by the process
 * manager, and a recording JDK HttpServer app hosted in-process (see {@link Front}).
 *
 * <p>Per case: the legitimate requests of the case (if any) get 200; what is hostile gets a 4xx (505 for an HTTP
 * version other than 1.x) or a closed connection; the application saw exactly the legitimate requests, each well-formed, never one whose target says
 * {@code smuggled} (the corpus places such requests where only a desynchronised parser would find them); and a fresh
 * connection is served afterwards.
 */
class HostileCorpusTest {

    @TempDir
    static Path dir;

    private static final Map<Front.Leg, Front> FRONTS = new EnumMap<>(Front.Leg.class);
    private static final AtomicInteger AFTER = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        for (Front.Leg leg : Front.Leg.values()) {
            FRONTS.put(leg, Front.start(leg, dir));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (Front front : FRONTS.values()) {
            front.close();
        }
    }

    static Stream<Arguments> cases() {
        List<HostileCase> corpus = HostileCase.load();
        List<Arguments> all = new ArrayList<>();
        for (Front.Leg leg : Front.Leg.values()) {
            for (HostileCase c : corpus) {
                all.add(Arguments.of(leg, c));
            }
        }
        return all.stream();
    }

    @Test
    void corpusIsLargeAndCoversEveryAttackClass() {
        List<HostileCase> corpus = HostileCase.load();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(200);
        assertThat(corpus).extracting(HostileCase::category).contains("CL.TE", "TE.CL", "TE alone", "Content-Length",
                "chunked", "line endings", "header syntax", "size", "request line", "target", "Host", "Expect",
                "pipelining", "not HTTP", "hop-by-hop");
        assertThat(corpus.stream().map(HostileCase::toString).distinct().count()).as("case names are unique")
                .isEqualTo(corpus.size());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void hostileRequestNeverReachesTheApplication(Front.Leg leg, HostileCase c) throws Exception {
        Front front = FRONTS.get(leg);
        int before = front.seen().size();
        List<String> outcome = new ArrayList<>();
        try (RawHttp http = front.connect()) {
            try {
                http.send(c.request());
            } catch (IOException e) {
                outcome.add("send failed: " + e.getMessage()); // the server may refuse and close mid-request
            }
            for (int i = 0; i < c.passing(); i++) {
                RawHttp.Response r = http.readResponse();
                outcome.add(String.valueOf(r.status()));
                assertThat(r.status()).as("legitimate request %d of %s: %s", i + 1, c, r.bodyText()).isEqualTo(200);
            }
            if (c.thenReject()) {
                try {
                    RawHttp.Response r = http.readResponse();
                    outcome.add(r.status() + " " + r.bodyText().lines().filter(l -> l.contains("<p"))
                            .findFirst().orElse(""));
                    // 505 is the refusal RFC 9110 section 15.6.6 prescribes for a version other than 1.x
                    assertThat(r.status() / 100 == 4 || r.status() == 505).as("%s answered %s", c, outcome).isTrue();
                } catch (IOException closed) {
                    outcome.add("closed"); // a closed connection is an acceptable refusal
                }
            }
        }
        // The server goes on serving; its answer also orders this check after anything the case sent on.
        String after = "/after-" + AFTER.incrementAndGet();
        try (RawHttp fresh = front.connect()) {
            assertThat(fresh.exchange("GET " + after + " HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        List<Seen> seen = new ArrayList<>(front.seen().subList(before, front.seen().size()));
        assertThat(seen).as("the fresh request reached the application last").isNotEmpty();
        assertThat(seen.getLast().target()).isEqualTo(after);
        seen.removeLast();
        assertThat(seen).as("%s (%s): what the application saw", c, outcome)
                .noneMatch(Seen::smuggled)
                .allSatisfy(s -> assertThat(s.problem()).as("malformed request reached the application: " + s)
                        .isNull())
                .hasSize(c.passing());
        if (leg.forwards()) {
            assertThat(seen).allSatisfy(s -> assertThat(s.msAspNetCoreNames()).containsExactly("MS-ASPNETCORE-TOKEN"));
        }
    }
}
