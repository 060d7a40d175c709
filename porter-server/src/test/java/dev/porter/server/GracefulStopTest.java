package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestThreads;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PorterServer#stop(Duration)}: stops accepting, answers new requests on open connections with 503 and closes
 * them, lets in-flight exchanges finish within the drain time, then closes everything (aborting what is left).
 */
class GracefulStopTest {

    private final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private PorterServer server;
    /** Exchanges to /hold wait here until the test answers them. */
    private final List<Exchange> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger aborts = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        ServerConfig config = dev.porter.testing.TestApps.server(Map.of("/", dir), RequestLimits.DEFAULTS,
                ServerConfig.WebLimits.DEFAULTS);
        server = new PorterServer(config, (site, app) -> exchange -> {
            if (exchange.target().cookedPath().equals("/hold")) {
                exchange.onAbort(aborts::incrementAndGet);
                held.add(exchange);
            } else {
                exchange.respond(HttpResponseStatus.OK, null, "ok".getBytes(StandardCharsets.US_ASCII));
            }
        }, AccessLog.NONE);
        server.start();
    }

    @AfterEach
    void close() {
        server.close();
        threads.close();
    }

    private static void answer(Exchange exchange) {
        exchange.eventLoop().execute(() -> exchange.respond(HttpResponseStatus.OK, null,
                "done".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void drainsInFlightRequestsAndRefusesNewOnes() throws Exception {
        int port = server.port();
        try (RawHttp busy = new RawHttp(port); RawHttp idle = new RawHttp(port)) {
            assertThat(idle.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
            busy.send("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);

            CompletableFuture<Void> stopped = threads.run(() -> server.stop(Duration.ofSeconds(20)));
            // New connections are refused once the listener is closed.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> new RawHttp(port).close()).isInstanceOf(IOException.class));
            // A new request on an open connection: 503 and close.
            RawHttp.Response refused = idle.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Connection")).contains("close");
            assertThat(idle.isClosedByServer()).isTrue();
            assertThat(stopped).isNotDone();

            // The in-flight exchange finishes, with Connection: close, and then stop() returns.
            answer(held.getFirst());
            RawHttp.Response done = busy.readResponse();
            assertThat(done.bodyText()).isEqualTo("done");
            assertThat(done.header("Connection")).contains("close");
            stopped.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(busy.isClosedByServer()).isTrue();
            assertThat(aborts.get()).isZero();
        }
    }

    @Test
    void cutsOffWhatIsStillInFlightAfterTheDrainTime() throws Exception {
        try (RawHttp busy = new RawHttp(server.port())) {
            busy.send("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
            long start = System.nanoTime();
            server.stop(Duration.ofMillis(300));
            // not before the drain time; the upper end guards the hang of a stop that waits for the held request
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(busy.isClosedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> aborts.get() == 1);
        }
    }
}
