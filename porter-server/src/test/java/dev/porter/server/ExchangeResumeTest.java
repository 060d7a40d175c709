package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Exchange#resumeWhen} (wait off the loop, continue on it, not once the exchange is done) and
 * {@link Exchange#handleWith} (the one policy for a handler that throws: 500 before the head, a cut after it), on the
 * real front pipeline over an {@link EmbeddedChannel}: the test completes the awaited stage itself, then runs the
 * loop's tasks, and reads what the client would.
 */
class ExchangeResumeTest {

    private EmbeddedChannel ch;

    @AfterEach
    void close() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    private void connect(Consumer<Exchange> handler) {
        ServerConfig.Site site = new ServerConfig.Site("s", 1,
                List.of(new ServerConfig.Binding("http", "*", 80, "")),
                List.of(new ServerConfig.Application("/", Path.of("/nonexistent"))),
                new ServerConfig.LogFile(false, Path.of("/nonexistent")));
        ServerConfig config = new ServerConfig(Path.of("porter.xml"), List.of(site), RequestLimits.DEFAULTS,
                new ServerConfig.WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 16384));
        Router router = new Router(config.sites(), (s, a) -> handler::accept);
        ch = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress localAddress0() {
                return new java.net.InetSocketAddress("127.0.0.1", 80); // routing needs the local address
            }

            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new java.net.InetSocketAddress("127.0.0.1", 40000);
            }
        };
        new FrontPipeline(config, router, AccessLog.NONE, new ServerState(), FrontSecurity.OPEN).init(ch);
    }

    private void send(String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
    }

    /** Everything the server wrote so far, as text. */
    private String written() {
        ch.runPendingTasks();
        StringBuilder out = new StringBuilder();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                out.append(buf.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(msg);
        }
        return out.toString();
    }

    @Test
    void continuesOnTheLoopWithTheResult() {
        CompletableFuture<String> start = new CompletableFuture<>();
        connect(exchange -> exchange.resumeWhen(start, (result, failure) ->
                exchange.respond(HttpResponseStatus.OK, "text/plain", result.getBytes(StandardCharsets.US_ASCII))));
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(written()).as("nothing before the stage completes").isEmpty();
        start.complete("started");
        assertThat(written()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nstarted");
    }

    @Test
    void passesTheFailureOn() {
        CompletableFuture<String> start = new CompletableFuture<>();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        connect(exchange -> exchange.resumeWhen(start, (result, failure) -> {
            seen.set(failure);
            exchange.respond(HttpResponseStatus.BAD_GATEWAY, null, new byte[0]);
        }));
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        start.completeExceptionally(new IllegalStateException("no start"));
        assertThat(written()).startsWith("HTTP/1.1 502 ");
        assertThat(seen.get()).hasMessage("no start");
    }

    @Test
    void doesNotContinueAnExchangeThatIsDone() {
        CompletableFuture<String> start = new CompletableFuture<>();
        AtomicReference<String> ran = new AtomicReference<>();
        connect(exchange -> exchange.resumeWhen(start, (result, failure) -> ran.set(result)));
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        ch.close(); // the client left while the exchange waited
        ch.runPendingTasks();
        start.complete("too late");
        ch.runPendingTasks();
        assertThat(ran.get()).isNull();
    }

    @Test
    void aHandlerThatThrowsBeforeItsHeadGets500AndTheConnectionStaysUsable() {
        connect(exchange -> {
            if (exchange.request().uri().equals("/boom")) {
                throw new IllegalStateException("a bug in the app");
            }
            exchange.respond(HttpResponseStatus.OK, null, "ok".getBytes(StandardCharsets.US_ASCII));
        });
        send("GET /boom HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 500 ");
        send("GET /fine HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    }

    @Test
    void aHandlerThatThrowsAfterItsHeadHasTheConnectionCut() {
        connect(exchange -> {
            exchange.writeHead(new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
            exchange.flush();
            throw new IllegalStateException("a bug after the head");
        });
        send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(written()).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(ch.isActive()).as("the response cannot be finished: the connection is cut").isFalse();
    }
}
