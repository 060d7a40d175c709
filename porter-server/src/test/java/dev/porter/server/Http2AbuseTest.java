package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.TestApps;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 abuse, sent frame by frame by a Netty HTTP/2 client over h2c: a client that opens and immediately resets
 * streams by the hundred ("rapid reset", CVE-2023-44487) gets GOAWAY and loses its connection, while a client that
 * behaves on the same server is answered.
 */
class Http2AbuseTest {

    @TempDir
    Path dir;

    private Porter porter;
    private EventLoopGroup group;

    @BeforeEach
    void start() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        // Answers /fine; leaves every other request open, so that only the client ends those streams.
        var hosting = new dev.porter.testing.HandlerHosting(exchange -> {
            if (exchange.target().cookedPath().equals("/fine")) {
                exchange.respond(io.netty.handler.codec.http.HttpResponseStatus.OK, "text/plain", new byte[] {'k'});
            }
        });
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(new ServerConfig.Site("s", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")),
                List.of(new ServerConfig.Application("/", app)), new ServerConfig.LogFile(false, app))),
                RequestLimits.DEFAULTS, new ServerConfig.WebLimits(d.connectionTimeout(), d.headerWaitTimeout(),
                        d.maxRequestBytes(), true, 100), ServerConfig.Security.DEFAULTS),
                ServerEnvironment.ofSystem(), Map.of(HostingModel.OUT_OF_PROCESS, hosting, HostingModel.IN_PROCESS,
                        hosting));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (porter != null) {
            porter.stop();
        }
    }

    /** A client connection; {@code frames} gets every frame the server sends. */
    private Channel connect(ChannelInboundHandlerAdapter frames) throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), frames);
            }
        }).connect("127.0.0.1", porter.port()).sync().channel();
    }

    private static DefaultHttp2Headers get(String path) {
        DefaultHttp2Headers headers = new DefaultHttp2Headers();
        headers.method("GET").path(path).scheme("http").authority("localhost");
        return headers;
    }

    @Test
    void rapidResetEndsTheConnectionWithGoAwayAndOthersAreStillServed() throws Exception {
        CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
        Channel abuser = connect(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2GoAwayFrame frame) {
                    goAway.complete(frame.retain());
                }
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        });
        // Open a stream, send its HEADERS (a request whose body would follow), reset it: one more time than the
        // server's limit (200 in 30 s). Not more: what a client sends after the server closed makes the server's
        // kernel answer with a TCP reset, which can destroy the GOAWAY before this client reads it.
        for (int i = 0; i < 201 && abuser.isActive(); i++) {
            io.netty.util.concurrent.Future<Http2StreamChannel> opened = new Http2StreamChannelBootstrap(abuser)
                    .handler(new ChannelInboundHandlerAdapter()).open().await();
            if (!opened.isSuccess()) {
                break; // the server has sent GOAWAY: no new streams
            }
            Http2StreamChannel stream = opened.getNow();
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(get("/reset-" + i), false));
            stream.close(); // RST_STREAM(CANCEL): the stream is open on both sides
        }
        Http2GoAwayFrame frame = goAway.get(20, TimeUnit.SECONDS);
        assertThat(frame.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        frame.release();
        assertThat(abuser.closeFuture().await(20, TimeUnit.SECONDS)).isTrue();

        // Another client on the same server is served.
        CompletableFuture<String> status = new CompletableFuture<>();
        Channel good = connect(new ChannelInboundHandlerAdapter());
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(good).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame headers) {
                    status.complete(String.valueOf(headers.headers().status()));
                }
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }).open().sync().getNow();
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(get("/fine"), true));
        assertThat(status.get(20, TimeUnit.SECONDS)).isEqualTo("200");
        good.close().await(Duration.ofSeconds(5).toMillis());
    }
}
