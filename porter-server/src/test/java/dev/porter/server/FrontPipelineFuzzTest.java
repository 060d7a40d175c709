package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Coverage-guided fuzzing (Jazzer) of the front server's request decoding (the real {@link FrontPipeline}: header
 * timeout, {@link StrictServerCodec}, {@link ExchangeDispatcher}, over an {@link EmbeddedChannel}) and of the
 * forwarder's request-head rewriting ({@code ProxyRequestHead.build}, reached by reflection: it is package-private in
 * another package).
 *
 * <p>Invariants: no exception escapes the pipeline; every input buffer is released; whatever is written back starts
 * as an HTTP/1.1 response; every request handed to an application has a clean head (token method, origin-form target
 * whose cooked path starts with '/', one framing header at most, chunked only, one valid Host); the rewritten head
 * carries exactly one {@code MS-ASPNETCORE-*} field, Porter's token, no hop-by-hop field, and no CR/LF/NUL anywhere.
 *
 * <p>Without {@code JAZZER_FUZZ=1} each method replays its stored inputs only (regression mode). Fuzzing is bounded by
 * {@code maxDuration}; reliability/fuzz runs the targets in turn, for longer (RELIABILITY.md). Coverage guidance comes
 * from Porter's own classes on this path (Jazzer 0.30.0 instruments Java 25 class files) and Netty's HTTP codec.
 */
class FrontPipelineFuzzTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 50000);
    private static final String TOKEN = "fuzz-token";
    private static final Method BUILD;
    private static final Method IS_WEBSOCKET;

    static {
        try {
            Class<?> head = Class.forName("dev.porter.hosting.outofprocess.forwarding.ProxyRequestHead");
            BUILD = head.getDeclaredMethod("build", Exchange.class, String.class, boolean.class);
            BUILD.setAccessible(true);
            IS_WEBSOCKET = head.getDeclaredMethod("isWebSocketUpgrade", HttpRequest.class);
            IS_WEBSOCKET.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class TcpChannel extends EmbeddedChannel {
        @Override
        protected SocketAddress localAddress0() {
            return LOCAL;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return REMOTE;
        }
    }

    private static final java.util.concurrent.atomic.AtomicReference<Throwable> HANDLER_FAILURE =
            new java.util.concurrent.atomic.AtomicReference<>();

    private static EmbeddedChannel pipeline(Consumer<Exchange> handler) {
        HANDLER_FAILURE.set(null);
        ServerConfig.Site site = new ServerConfig.Site("s", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 8080, "")),
                List.of(new ServerConfig.Application("/", Path.of("/nonexistent"))),
                new ServerConfig.LogFile(false, Path.of("/nonexistent")));
        ServerConfig config = new ServerConfig(Path.of("porter.xml"), List.of(site),
                new RequestLimits(1_000_000, 4096, 2048), new ServerConfig.WebLimits(
                        java.time.Duration.ofMinutes(2), java.time.Duration.ofSeconds(30), 4096));
        // A failed assertion in the handler is kept for feed() to rethrow: the dispatcher would turn it into a 500
        // or a closed connection.
        Router router = new Router(config.sites(), (s, a) -> exchange -> {
            try {
                handler.accept(exchange);
            } catch (RuntimeException | Error e) {
                HANDLER_FAILURE.compareAndSet(null, e);
                throw e;
            }
        });
        TcpChannel ch = new TcpChannel();
        new FrontPipeline(config, router, AccessLog.NONE, new ServerState(), FrontSecurity.OPEN).init(ch);
        return ch;
    }

    /** Answers 200 once the body is in (released as it comes). */
    private static void answerAfterBody(Exchange exchange) {
        exchange.receiveBody(content -> {
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (last && !exchange.isDone() && !exchange.isHeadWritten()) {
                exchange.respond(HttpResponseStatus.OK, "text/plain", new byte[] {'o', 'k'});
            }
        });
        if (exchange.isRequestComplete() && !exchange.isDone() && !exchange.isHeadWritten()) {
            exchange.respond(HttpResponseStatus.OK, "text/plain", new byte[] {'o', 'k'});
        }
    }

    /** Feeds {@code input} in three packets; returns what was written back. Asserts every input was released. */
    private static String feed(EmbeddedChannel ch, byte[] input) {
        List<ByteBuf> inputs = new ArrayList<>();
        int[] cuts = {0, input.length / 3, 2 * input.length / 3, input.length};
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 3 && ch.isOpen(); i++) {
            ByteBuf buf = Unpooled.directBuffer(Math.max(1, cuts[i + 1] - cuts[i]))
                    .writeBytes(input, cuts[i], cuts[i + 1] - cuts[i]);
            inputs.add(buf);
            ch.writeInbound(buf); // rethrows anything that escaped the pipeline
            ch.runPendingTasks();
        }
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            if (msg instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(msg);
        }
        ch.close();
        ch.runPendingTasks();
        ch.finishAndReleaseAll();
        for (ByteBuf b : inputs) {
            assertThat(b.refCnt()).as("input buffer released").isZero();
        }
        Throwable failure = HANDLER_FAILURE.getAndSet(null);
        if (failure instanceof Error e) {
            throw e;
        } else if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (!out.isEmpty()) {
            assertThat(out.toString()).matches("(?s)HTTP/1\\.1 [1-5]\\d\\d .*");
        }
        return out.toString();
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static void assertCleanHead(Exchange exchange) {
        HttpRequest r = exchange.request();
        assertThat(r.decoderResult().isSuccess()).isTrue();
        assertThat(isToken(r.method().name())).as("method %s", r.method()).isTrue();
        assertThat(exchange.target().cookedPath()).startsWith("/");
        HttpHeaders h = r.headers();
        assertThat(h.contains(HttpHeaderNames.CONTENT_LENGTH) && h.contains(HttpHeaderNames.TRANSFER_ENCODING))
                .isFalse();
        assertThat(h.getAll(HttpHeaderNames.CONTENT_LENGTH).size()).isLessThanOrEqualTo(1);
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            assertThat(h.getAll(HttpHeaderNames.TRANSFER_ENCODING)).singleElement()
                    .satisfies(v -> assertThat(v.trim()).isEqualToIgnoringCase("chunked"));
        }
        assertThat(h.getAll(HttpHeaderNames.HOST).size()).isLessThanOrEqualTo(1);
        for (Map.Entry<String, String> e : h) {
            assertThat(isToken(e.getKey())).as("header name %s", e.getKey()).isTrue();
            assertThat(e.getValue()).doesNotContain("\r", "\n", "\0");
        }
    }

    @FuzzTest(maxDuration = "15s")
    void decodesAnything(FuzzedDataProvider data) {
        List<Exchange> exchanges = new ArrayList<>();
        EmbeddedChannel ch = pipeline(exchange -> {
            exchanges.add(exchange);
            assertCleanHead(exchange);
            answerAfterBody(exchange);
        });
        feed(ch, data.consumeRemainingAsBytes());
    }

    @FuzzTest(maxDuration = "15s")
    void rewritesHeadsSafely(FuzzedDataProvider data) {
        // A mostly valid request whose header names and values are fuzzed, so most runs reach the rewriting.
        StringBuilder request = new StringBuilder("GET /").append(data.consumeAsciiString(20).replaceAll("[\\s#]", ""))
                .append(data.consumeBoolean() ? " HTTP/1.1\r\nHost: a\r\n" : " HTTP/1.0\r\n");
        int fields = data.consumeInt(0, 12);
        for (int i = 0; i < fields; i++) {
            String name = data.consumeBoolean() ? pick(data) : data.consumeAsciiString(24);
            request.append(name).append(": ").append(data.consumeAsciiString(40)).append("\r\n");
        }
        request.append("\r\n");
        List<HttpRequest> rewritten = new ArrayList<>();
        EmbeddedChannel ch = pipeline(exchange -> {
            assertCleanHead(exchange);
            try {
                boolean ws = (boolean) IS_WEBSOCKET.invoke(null, exchange.request());
                HttpRequest out = (HttpRequest) BUILD.invoke(null, exchange, TOKEN, ws);
                rewritten.add(out);
                assertRewrittenHeadIsSafe(out, ws);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            } catch (InvocationTargetException e) {
                throw new AssertionError("ProxyRequestHead.build threw", e.getCause());
            }
            answerAfterBody(exchange);
        });
        feed(ch, request.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static final String[] NAMES = {"MS-ASPNETCORE-TOKEN", "ms-aspnetcore-token", "MS-ASPNETCORE",
        "MS_ASPNETCORE_TOKEN", "MS-ASPNETCORE-EVENT", "Connection", "Upgrade", "Transfer-Encoding", "Content-Length",
        "X-Forwarded-For", "X-Forwarded-Proto", "Keep-Alive", "TE", "Trailer", "Proxy-Connection", "Host", "Expect"};

    private static String pick(FuzzedDataProvider data) {
        return data.pickValue(NAMES);
    }

    private static void assertRewrittenHeadIsSafe(HttpRequest out, boolean webSocket) {
        assertThat(out.uri()).startsWith("/");
        for (char c : out.uri().toCharArray()) {
            assertThat(c > ' ' && c != 0x7f).as("character 0x%x in the forwarded target %s", (int) c, out.uri())
                    .isTrue();
        }
        List<String> ms = new ArrayList<>();
        for (Map.Entry<String, String> e : out.headers()) {
            String name = e.getKey();
            if (name.toUpperCase(Locale.ROOT).replace('_', '-').startsWith("MS-ASPNETCORE")) {
                ms.add(name + ": " + e.getValue());
            }
            assertThat(isToken(name)).as("forwarded header name %s", name).isTrue();
            assertThat(e.getValue()).doesNotContain("\r", "\n", "\0");
        }
        assertThat(ms).containsExactly("MS-ASPNETCORE-TOKEN: " + TOKEN);
        HttpHeaders h = out.headers();
        assertThat(h.contains(HttpHeaderNames.CONTENT_LENGTH) && h.contains(HttpHeaderNames.TRANSFER_ENCODING))
                .isFalse();
        for (CharSequence hop : List.of(HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
                "Proxy-Connection")) {
            assertThat(h.contains(hop)).as("hop-by-hop %s forwarded", hop).isFalse();
        }
        if (!webSocket) {
            assertThat(h.contains(HttpHeaderNames.CONNECTION)).isFalse();
            assertThat(h.contains(HttpHeaderNames.UPGRADE)).isFalse();
        }
        assertThat(h.getAll(HttpHeaderNames.HOST)).hasSize(1);
    }
}
