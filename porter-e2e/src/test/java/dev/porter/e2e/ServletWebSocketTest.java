package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.testing.TestApps;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 12 item 4, with a real client (the JDK's {@code java.net.http.WebSocket}): a Spring WebSocket handler
 * ({@code TextWebSocketHandler}; samples/spring-boot on Boot 4, samples/spring-boot3 on Boot 3.5) and a Jakarta
 * {@code @ServerEndpoint} (samples/war) echo over HTTP/1.1, in-process (the 101 through the front server's upgrade,
 * then Jetty's WebSocket connection on the client's channel) and out-of-process (Porter tunnels the upgrade to the
 * app's own server); and {@code app_offline.htm} closes the sockets that are open. Boot 3.5's Spring Framework 6 picks
 * Tomcat's upgrade strategy when Tomcat's upgrade handler is on its class path; in-process Porter hides that class
 * ({@code BootDeployment.hidden}), so it takes the standard Jakarta WebSocket upgrade on Porter's Jetty.
 */
// Each case starts two Spring Boot apps (one a JVM of its own) cold: more than the suite's default 120 s guard
// on a loaded 2-core machine. A failure guard only, never a speed assertion.
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ServletWebSocketTest {

    @TempDir
    Path dir;

    private Porter porter;
    private HttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (porter != null) {
            porter.stop();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .noneMatch(p -> p.info().commandLine().orElse("").contains("app.")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"spring-boot, inprocess", "spring-boot, outofprocess", "spring-boot3, inprocess",
        "spring-boot3, outofprocess", "war, inprocess", "war, outofprocess"})
    void echoesAndAppOfflineClosesOpenSockets(String sample, String model) throws Exception {
        Path appDir = Files.createDirectories(dir.resolve("shop"));
        boolean boot = sample.startsWith("spring-boot");
        Path samples = ServletParityTest.samples();
        Path built = boot ? samples.resolve(sample + "/target/" + sample + ".jar") : samples.resolve("war/target/war.war");
        assertThat(built).as("the packaged sample (mvn verify packages it before this module)").exists();
        String file = boot ? "app.jar" : "app.war";
        Files.copy(built, appDir.resolve(file));
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", (boot ? "-jar " : "-war ") + file,
                "hostingModel", model, "startupTimeLimit", "120"), Map.of());
        porter = Porter.start(TestApps.server(Map.of("/shop", appDir)));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create("ws://127.0.0.1:" + porter.port() + "/shop/ws/echo");

        Messages messages = new Messages();
        // The first request starts the app (a JVM out-of-process, Spring in-process): a generous guard.
        WebSocket socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(120)).buildAsync(uri, messages)
                .get(180, TimeUnit.SECONDS);
        socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
        String first = messages.next();
        assertThat(first).endsWith("hello");
        String prefix = first.substring(0, first.length() - "hello".length());
        for (int i = 0; i < 500; i++) {
            socket.sendText("message " + i, true).get(10, TimeUnit.SECONDS);
            assertThat(messages.next()).isEqualTo(prefix + "message " + i);
        }
        String big = "x".repeat(60_000); // under Jakarta WebSocket's and Spring's default 64 KiB text message limit
        socket.sendText(big, true).get(10, TimeUnit.SECONDS);
        assertThat(messages.next()).isEqualTo(prefix + big);
        if (boot) {
            assertThat(prefix).isEqualTo("echo: ");
            socket.sendText("whoami", true).get(10, TimeUnit.SECONDS);
            assertThat(messages.next()).isEqualTo("path=/shop/ws/echo user=null");
            // the handler closes with its own code
            socket.sendText("close", true).get(10, TimeUnit.SECONDS);
            assertThat(messages.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4000);
        } else {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            assertThat(messages.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        }

        // app_offline.htm: the app stops, and the socket that is open is closed (a close frame or the connection)
        Messages open = new Messages();
        WebSocket second = client.newWebSocketBuilder().buildAsync(uri, open).get(60, TimeUnit.SECONDS);
        second.sendText("still here", true).get(10, TimeUnit.SECONDS);
        assertThat(open.next()).isEqualTo(prefix + "still here");
        Files.writeString(appDir.resolve("app_offline.htm"), "offline for a moment");
        assertThat(open.ended.get(60, TimeUnit.SECONDS)).isTrue();
        System.out.printf("%s %s: app_offline closed the open socket (%s)%n", sample, model,
                open.closed.isDone() ? "close code " + open.closed.getNow(-1) : "connection closed");
    }

    /** A listener that queues whole text messages and records how the socket ended. */
    private static final class Messages implements WebSocket.Listener {
        private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final CompletableFuture<Boolean> ended = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            ended.complete(true);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended.complete(true);
        }

        String next() throws InterruptedException {
            String text = texts.poll(30, TimeUnit.SECONDS);
            assertThat(text).as("a message within 30 s").isNotNull();
            return text;
        }
    }
}
