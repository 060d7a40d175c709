package dev.porter.server;

import dev.porter.config.ServerConfig;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import dev.porter.server.http1.HeaderNameFilter;
import dev.porter.server.http1.HeaderTimeoutHandler;
import dev.porter.server.http1.MinSendRateHandler;
import dev.porter.server.http1.Http1Connection;
import dev.porter.server.http1.StrictServerCodec;
import dev.porter.server.http2.CleartextHttp2Detector;
import dev.porter.server.http2.Http2RequestAdapter;
import dev.porter.server.http2.Http2StreamConnection;
import dev.porter.server.http2.Http2StreamStallHandler;
import dev.porter.server.http2.Http2StreamWritability;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.Mapping;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a client connection's pipeline. HTTP/1.x: header timeout, strict HTTP/1.x codec, dispatcher; {@code Expect}
 * is answered by the dispatcher after routing and the request limits, so an oversized body gets its 413, never a 100
 * Continue. TLS (RFC 8446, 5246): SNI picks the binding's certificate, then ALPN (RFC 7301) picks {@code h2} or
 * {@code http/1.1}. HTTP/2 (RFC 9113): Netty's frame codec and multiplexer, each stream a child channel running the
 * frame-to-HTTP/1 codec ({@link Http2RequestAdapter}, one for all streams) and its own dispatcher, so a stream's
 * request reaches the hosting models exactly as an HTTP/1.1 one does, and a failing stream resets only itself. One
 * instance per server; the {@code init} methods run once per accepted connection.
 */
final class FrontPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(FrontPipeline.class);

    static final String HEADER_TIMEOUT = "header-timeout";
    static final String CODEC = "codec";
    static final String DISPATCHER = "dispatcher";
    static final String HEADER_NAMES = "header-names";
    /** How long a TLS client may take to send its ClientHello and finish the handshake. */
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final ServerConfig config;
    private final Router router;
    private final AccessLog accessLog;
    private final ServerState state;
    private final FrontSecurity security;

    /** @param security the access checks ({@link FrontSecurity#OPEN} when every request passes unchecked) */
    FrontPipeline(ServerConfig config, Router router, AccessLog accessLog, ServerState state,
            FrontSecurity security) {
        this.config = config;
        this.router = router;
        this.accessLog = accessLog;
        this.state = state;
        this.security = security;
    }

    /** A plain http connection: HTTP/1.x. */
    void init(Channel ch) {
        MinSendRateHandler.install(ch, config.webLimits());
        http1(ch, Optional.empty());
    }

    /** A plain http connection; with h2c, a client that opens with the HTTP/2 preface gets HTTP/2. */
    void initPlain(Channel ch) {
        MinSendRateHandler.install(ch, config.webLimits());
        if (config.webLimits().http2Cleartext()) {
            ch.pipeline().addLast("h2c-detector", new CleartextHttp2Detector(c -> http1(c, Optional.empty()),
                    c -> http2(c, Optional.empty())));
        } else {
            http1(ch, Optional.empty());
        }
    }

    /** A TLS connection on a listener whose bindings' certificates {@code certificates} maps by SNI host name. */
    void initTls(Channel ch, Mapping<String, SslContext> certificates) {
        MinSendRateHandler.install(ch, config.webLimits());
        ch.pipeline().addLast("sni", new SniHandler(certificates, 16 * 1024, HANDSHAKE_TIMEOUT_MILLIS));
        ch.pipeline().addLast("alpn", new Alpn());
    }

    void http1(Channel ch, Optional<ClientTls> tls) {
        ServerConfig.WebLimits limits = config.webLimits();
        HeaderTimeoutHandler headerTimeout =
                new HeaderTimeoutHandler(limits.connectionTimeout(), limits.headerWaitTimeout());
        ChannelPipeline p = ch.pipeline();
        p.addLast(HEADER_TIMEOUT, headerTimeout);
        // HttpDecoderConfig is mutable: each decoder gets its own copy.
        p.addLast(CODEC, new StrictServerCodec(StrictServerCodec.decoderConfig(limits)));
        p.addLast(HEADER_NAMES, HeaderNameFilter.of(limits.underscoresInHeaders()));
        p.addLast(DISPATCHER, new Http1Connection(router, config.requestLimits(), headerTimeout, accessLog, state,
                tls, security));
    }

    /**
     * HTTP/2 on a connection: SETTINGS_MAX_CONCURRENT_STREAMS from webLimits (http.sys's default 100),
     * SETTINGS_MAX_HEADER_LIST_SIZE from maxRequestBytes (a larger header block is refused with 431, as HTTP/1.1's
     * is), header validation on (connection-specific fields are a stream error, RFC 9113 section 8.2.2), Netty's
     * rapid-reset guard on. An idle connection (no open stream) closes after connectionTimeout, with GOAWAY; a stream
     * whose response makes no progress for connectionTimeout while it is backed up is reset
     * ({@link Http2StreamStallHandler}: a client that leaves one stream's window at 0 and reads the others); a
     * stream's exchange is held back while its connection is backed up ({@link Http2StreamWritability}).
     */
    void http2(Channel ch, Optional<ClientTls> tls) {
        ServerConfig.WebLimits limits = config.webLimits();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(limits.http2MaxConcurrentStreams())
                        .maxHeaderListSize(limits.maxRequestBytes()))
                .validateHeaders(true)
                // "Rapid reset" (CVE-2023-44487): more than 200 RST_STREAMs from a client in 30 s is a GOAWAY.
                .decoderEnforceMaxRstFramesPerWindow(200, 30)
                .build();
        ChannelPipeline p = ch.pipeline();
        long idleMillis = limits.connectionTimeout().toMillis();
        if (idleMillis > 0) {
            p.addLast("h2-idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
        }
        p.addLast("h2-codec", codec);
        // Streams answered outside a read of this connection (an out-of-process response arrives on a backend
        // connection) each flush it: without this, one TLS record and one write(2) per response. Their flushes are
        // gathered into one at the end of the event loop's current batch of I/O, so the responses of every stream
        // answered in that batch leave together; within a read the codec flushes once at its end anyway. Above the
        // codec, so that its flow controller's pending DATA is written once per batch too.
        p.addLast("h2-flush", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        Http2StreamWritability streams = new Http2StreamWritability();
        p.addLast("h2-multiplex", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                streams.add(stream);
                HeaderTimeoutHandler headerTimeout =
                        new HeaderTimeoutHandler(limits.connectionTimeout(), limits.headerWaitTimeout(), true);
                ChannelPipeline sp = stream.pipeline();
                if (idleMillis > 0) {
                    sp.addLast(Http2StreamStallHandler.NAME, new Http2StreamStallHandler(idleMillis));
                }
                sp.addLast(HEADER_TIMEOUT, headerTimeout);
                sp.addLast(CODEC, Http2RequestAdapter.INSTANCE);
                sp.addLast(HEADER_NAMES, HeaderNameFilter.of(limits.underscoresInHeaders()));
                sp.addLast(DISPATCHER, new Http2StreamConnection(router, config.requestLimits(), headerTimeout,
                        accessLog, state, tls, security));
            }
        }));
        p.addLast(Http2StreamWritability.NAME, streams);
        p.addLast("h2-errors", new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // The codec has already answered (GOAWAY, RST_STREAM) and closes what needs closing; a reset or a
                // misbehaving client is the client's business: a debug line, not Netty's tail-of-pipeline warning.
                LOG.debug("HTTP/2 connection from {}: {}", ctx.channel().remoteAddress(),
                        cause.toString());
                if (cause instanceof java.io.IOException) {
                    ctx.close();
                }
            }
        });
        if (idleMillis > 0) {
            p.addLast("h2-idle-close", new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                    if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                        ctx.close();
                        return;
                    }
                    super.userEventTriggered(ctx, evt);
                }
            });
        }
    }

    /** After the TLS handshake: the protocol the client and server agreed on by ALPN (none: HTTP/1.1). */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {

        Alpn() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            // One Optional per connection, shared by its exchanges (every stream of an HTTP/2 connection).
            Optional<ClientTls> tls = Optional.of(new ClientTls(ctx.pipeline().get(SslHandler.class)));
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.channel(), tls);
            } else {
                http1(ctx.channel(), tls);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Before a protocol is chosen: plain HTTP sent to a TLS port, a malformed ClientHello, a reset. The
            // client's problem, not worth more than a debug line (and not Netty's warning per connection).
            LOG.debug("TLS connection from {} failed before HTTP: {}",
                    ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // A client that cannot agree on TLS (or does not trust the certificate) is its own business.
            LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }
}
