package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.HandlerHosting;
import dev.porter.testing.RawHttp;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Exchange#upgrade}: 101, then the raw connection belongs to the handler, and bytes the client sent right
 * behind its request (same packet) reach the new protocol, not the HTTP decoder. An upgrade request answered without
 * switching leaves the connection serving HTTP.
 */
class UpgradeTest {

    @TempDir
    Path dir;

    private TestFront front;

    /** Echoes raw bytes, upper-cased, once upgraded. */
    private static final class RawEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            String text = in.toString(StandardCharsets.US_ASCII).toUpperCase();
            in.release();
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @BeforeEach
    void start() {
        front = TestFront.start(dir, new HandlerHosting(exchange -> {
            if (exchange.isUpgradeRequest() && exchange.target().cookedPath().startsWith("/switch")) {
                Runnable upgrade = () -> {
                    HttpResponse switching = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.SWITCHING_PROTOCOLS);
                    switching.headers().set(HttpHeaderNames.CONNECTION, "Upgrade")
                            .set(HttpHeaderNames.UPGRADE, "echo");
                    exchange.upgrade(switching, channel -> channel.pipeline().addLast(new RawEcho()));
                };
                if (exchange.target().cookedPath().equals("/switch-later")) {
                    // as a forwarder does: the 101 comes when the backend has answered
                    exchange.eventLoop().schedule(upgrade, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
                } else {
                    upgrade.run();
                }
            } else {
                exchange.respond(HttpResponseStatus.OK, "text/plain",
                        ("http " + exchange.target().cookedPath()).getBytes(StandardCharsets.US_ASCII));
            }
        }));
    }

    @AfterEach
    void stop() {
        front.close();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/switch", "/switch-later"})
    void handsTheRawConnectionOverAfter101WithoutLosingEarlyBytes(String path) throws Exception {
        try (RawHttp http = front.connect()) {
            // The early bytes contain line ends: an HTTP decoder that kept going would consume them.
            http.send("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
                    + "early\r\nbytes\r\n\r\n");
            RawHttp.Response r = http.readNextResponse(false);
            assertThat(r.status()).isEqualTo(101);
            assertThat(r.header("Upgrade")).contains("echo");
            assertThat(new String(http.readBytes(16), StandardCharsets.US_ASCII)).isEqualTo("EARLY\r\nBYTES\r\n\r\n");
            http.send("GET / HTTP/1.1\r\n\r\n"); // not HTTP any more: echoed
            assertThat(new String(http.readBytes(18), StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n\r\n");
        }
    }

    @Test
    void keepsServingHttpWhenAnUpgradeRequestIsAnsweredNormally() throws Exception {
        try (RawHttp http = front.connect()) {
            http.send("GET /no HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
                    + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(http.readResponse().bodyText()).isEqualTo("http /no");
            assertThat(http.readResponse().bodyText()).isEqualTo("http /next");
        }
    }
}
