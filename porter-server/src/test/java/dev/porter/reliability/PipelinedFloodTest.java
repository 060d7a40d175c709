package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.RawHttp;
import dev.porter.testing.TestThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pipelined floods on one connection (bounded: a few thousand requests), written by one thread while another reads:
 * every request is answered in order and reaches the application once, in order; a hostile request in the middle
 * ends the connection there, and nothing behind it reaches the application.
 */
class PipelinedFloodTest {

    private static final int FLOOD = 2_000;

    @TempDir
    static Path dir;

    private static final Map<Front.Leg, Front> FRONTS = new EnumMap<>(Front.Leg.class);

    @BeforeAll
    static void start() throws IOException {
        for (Front.Leg leg : List.of(Front.Leg.FORWARDED, Front.Leg.OUT_OF_PROCESS, Front.Leg.IN_PROCESS)) {
            FRONTS.put(leg, Front.start(leg, dir));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (Front f : FRONTS.values()) {
            f.close();
        }
    }

    private static List<Seen> since(Front front, int before) {
        List<Seen> all = front.seen();
        return List.copyOf(all.subList(before, all.size()));
    }

    @ParameterizedTest
    @EnumSource(names = {"FORWARDED", "OUT_OF_PROCESS", "IN_PROCESS"})
    void floodIsAnsweredInOrderAndReachesTheAppOnceEach(Front.Leg leg) throws Exception {
        Front front = FRONTS.get(leg);
        front.seen(); // warm: the first request may start the app
        try (RawHttp warm = front.connect()) {
            assertThat(warm.exchange("GET /warm HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        int before = front.seen().size();
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < FLOOD; i++) {
            flood.append(i % 3 == 0 ? "POST /p" + i + " HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                    : i % 3 == 1 ? "POST /p" + i + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n0\r\n\r\n"
                    : "GET /p" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        try (RawHttp http = front.connect(); TestThreads threads = new TestThreads()) {
            CompletableFuture<Void> writer = threads.run(() -> {
                try {
                    http.send(flood.toString().getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int i = 0; i < FLOOD; i++) {
                assertThat(http.readResponse().status()).as("response %d", i).isEqualTo(200);
            }
            writer.get();
        }
        List<Seen> seen = since(front, before);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            expected.add("/p" + i);
        }
        assertThat(seen).extracting(Seen::target).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @EnumSource(names = {"FORWARDED", "OUT_OF_PROCESS", "IN_PROCESS"})
    void hostileRequestInAFloodEndsTheConnectionThere(Front.Leg leg) throws Exception {
        Front front = FRONTS.get(leg);
        try (RawHttp warm = front.connect()) {
            assertThat(warm.exchange("GET /warm HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        int before = front.seen().size();
        int good = 1_000;
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < good; i++) {
            flood.append("GET /g").append(i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        flood.append("POST /cl-te HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
        for (int i = 0; i < 1_000; i++) {
            flood.append("GET /smuggled-").append(i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        try (RawHttp http = front.connect(); TestThreads threads = new TestThreads()) {
            CompletableFuture<Void> writer = threads.run(() -> {
                try {
                    http.send(flood.toString().getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    // the server closes after the hostile request: the rest of the flood may not be writable
                }
            });
            for (int i = 0; i < good; i++) {
                assertThat(http.readResponse().status()).as("response %d", i).isEqualTo(200);
            }
            RawHttp.Response refused = http.readResponse();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("Connection")).contains("close");
            assertThat(http.isClosedByServer()).isTrue();
            writer.get();
        }
        try (RawHttp fresh = front.connect()) {
            assertThat(fresh.exchange("GET /after-flood HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
        }
        List<Seen> seen = since(front, before);
        assertThat(seen).hasSize(good + 1).noneMatch(Seen::smuggled);
        assertThat(seen.getLast().target()).isEqualTo("/after-flood");
    }
}
