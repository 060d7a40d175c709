package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole front pipeline (header timeout, codec, dispatcher, exchanges) through an {@link EmbeddedChannel}, on the
 * paths where buffers are easy to lose: client gone mid-body with content held, pipelined requests then a close,
 * malformed chunks, an oversized chunked body, writes after an abort. Every input buffer and every buffer a handler
 * wrote must end with refCnt 0.
 */
class FrontPipelineLeakTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 50000);
    private static ResourceLeakDetector.Level previous;

    @BeforeAll
    static void paranoid() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restore() {
        ResourceLeakDetector.setLevel(previous);
    }

    /** An embedded channel with TCP addresses, as the dispatcher routes by the local address. */
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

    private final List<ByteBuf> tracked = new ArrayList<>();
    private final List<Exchange> exchanges = new ArrayList<>();

    private EmbeddedChannel pipeline(long maxBody, Consumer<Exchange> handler) {
        ServerConfig.Site site = new ServerConfig.Site("s", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 8080, "")),
                List.of(new ServerConfig.Application("/", Path.of("/nonexistent"))), new ServerConfig.LogFile(false,
                        Path.of("/nonexistent")));
        ServerConfig config = new ServerConfig(Path.of("porter.xml"), List.of(site),
                new RequestLimits(maxBody, 4096, 2048), ServerConfig.WebLimits.DEFAULTS);
        Router router = new Router(config.sites(), (s, a) -> exchange -> {
            exchanges.add(exchange);
            handler.accept(exchange);
        });
        TcpChannel ch = new TcpChannel();
        new FrontPipeline(config, router, AccessLog.NONE, new ServerState(), FrontSecurity.OPEN).init(ch);
        return ch;
    }

    private void write(EmbeddedChannel ch, String text) {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        tracked.add(buf);
        ch.writeInbound(buf);
    }

    private ByteBuf tracked(String text) {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        tracked.add(buf);
        return buf;
    }

    private String closeAndCollectOutput(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder out = new StringBuilder();
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
        return out.toString();
    }

    private void assertNothingLeaked() {
        assertThat(tracked).allSatisfy(b -> assertThat(b.refCnt()).as("buffer refCnt").isZero());
    }

    @Test
    void releasesHeldBodyAndPipelinedRequestsWhenTheClientGoesAway() {
        EmbeddedChannel ch = pipeline(1_000_000, exchange -> {
            // never reads the body, never answers
        });
        write(ch, "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234");
        write(ch, "56789POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        closeAndCollectOutput(ch);
        assertThat(exchanges).hasSize(1);
        assertThat(exchanges.getFirst().isAborted()).isTrue();
        assertNothingLeaked();
    }

    @Test
    void queuesNoMoreThanOnePipelinedRequestHoweverManyArrive() {
        List<Exchange> open = new ArrayList<>();
        EmbeddedChannel ch = pipeline(1_000_000, open::add);
        // The heads the codec decoded and handed to the dispatcher: those not yet an exchange wait in its queue.
        java.util.concurrent.atomic.AtomicInteger heads = new java.util.concurrent.atomic.AtomicInteger();
        ch.pipeline().addBefore(FrontPipeline.DISPATCHER, "count-heads", new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof io.netty.handler.codec.http.HttpRequest) {
                    heads.incrementAndGet();
                }
                ctx.fireChannelRead(msg);
            }
        });
        write(ch, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n".repeat(1000)
                + "POST /y HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
        assertThat(open).hasSize(1);
        assertThat(heads.get() - open.size()).as("request heads waiting in the dispatcher").isEqualTo(1);
        for (int i = 1; i <= 1000; i++) {
            Exchange exchange = open.get(i - 1);
            exchange.respond(HttpResponseStatus.OK, null, new byte[0]);
            ch.runPendingTasks();
            assertThat(open).hasSize(i + 1);
            assertThat(heads.get() - open.size()).as("request heads waiting in the dispatcher").isLessThanOrEqualTo(1);
        }
        Exchange post = open.getLast();
        assertThat(post.request().method().name()).isEqualTo("POST");
        StringBuilder body = new StringBuilder();
        post.receiveBody(c -> {
            body.append(c.content().toString(StandardCharsets.US_ASCII));
            c.release();
        });
        ch.runPendingTasks();
        assertThat(body.toString()).isEqualTo("abc");
        assertThat(post.isRequestComplete()).isTrue();
        String out = closeAndCollectOutput(ch);
        assertThat(out.split("HTTP/1.1 200 OK", -1)).hasSize(1001);
        assertNothingLeaked();
    }

    @Test
    void releasesEverythingOnAMalformedChunk() {
        EmbeddedChannel ch = pipeline(1_000_000, exchange -> exchange.receiveBody(HttpContent::release));
        write(ch, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");
        String out = closeAndCollectOutput(ch);
        assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertNothingLeaked();
    }

    @Test
    void releasesEverythingWhenAChunkedBodyOutgrowsTheLimit() {
        EmbeddedChannel ch = pipeline(4, exchange -> {
            // holds whatever arrives
        });
        write(ch, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
        String out = closeAndCollectOutput(ch);
        assertThat(out).startsWith("HTTP/1.1 413 ");
        assertNothingLeaked();
    }

    @Test
    void releasesWhatAHandlerWritesAfterTheClientWentAway() {
        EmbeddedChannel ch = pipeline(1_000_000, exchange -> {
        });
        write(ch, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        ch.close();
        ch.runPendingTasks();
        Exchange exchange = exchanges.getFirst();
        assertThat(exchange.isAborted()).isTrue();
        exchange.respond(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, tracked("late")));
        exchange.writeContent(new DefaultHttpContent(tracked("later")), true);
        closeAndCollectOutput(ch);
        assertNothingLeaked();
    }

    @Test
    void releasesEverythingOnAMalformedPipelinedRequest() {
        EmbeddedChannel ch = pipeline(1_000_000, exchange -> exchange.respond(HttpResponseStatus.OK, null,
                new byte[0]));
        write(ch, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"
                + "POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
        String out = closeAndCollectOutput(ch);
        assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").contains("HTTP/1.1 400 Bad Request\r\n");
        assertThat(exchanges).hasSize(1);
        assertNothingLeaked();
    }

    @Test
    void releasesTheEarlyResponseCaseWithTheBodyStillArriving() {
        EmbeddedChannel ch = pipeline(1_000_000, exchange -> exchange.respond(HttpResponseStatus.FORBIDDEN, null,
                new byte[0]));
        // One packet: the answer goes out while the rest of the body is still being decoded.
        write(ch, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789");
        String out = closeAndCollectOutput(ch);
        assertThat(out).startsWith("HTTP/1.1 403 Forbidden\r\n").contains("connection: close");
        assertNothingLeaked();
    }
}
