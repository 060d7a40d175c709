package dev.porter.server;

import dev.porter.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Builds a client connection's pipeline: header timeout, strict HTTP/1.x codec, dispatcher. {@code Expect} is answered
 * by the dispatcher after routing and the request limits, so an oversized body gets its 413, never a 100 Continue.
 * One instance per server; {@link #init} runs once per accepted connection.
 */
final class FrontPipeline {

    static final String HEADER_TIMEOUT = "header-timeout";
    static final String CODEC = "codec";
    static final String DISPATCHER = "dispatcher";

    private final ServerConfig config;
    private final Router router;
    private final AccessLog accessLog;
    private final ServerState state;

    FrontPipeline(ServerConfig config, Router router, AccessLog accessLog, ServerState state) {
        this.config = config;
        this.router = router;
        this.accessLog = accessLog;
        this.state = state;
    }

    /**
     * The decoder settings: the head limit is http.sys's MaxRequestBytes (request line and header block each); strict
     * line parsing refuses bare LF line ends (RFC 9112 section 2.2) and header validation refuses NUL, CR and other
     * controls in values and anything but a token before the colon (section 5.1).
     */
    static HttpDecoderConfig decoderConfig(ServerConfig.WebLimits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestBytes())
                .setMaxHeaderSize(limits.maxRequestBytes())
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true);
    }

    void init(Channel ch) {
        ServerConfig.WebLimits limits = config.webLimits();
        HeaderTimeoutHandler headerTimeout =
                new HeaderTimeoutHandler(limits.connectionTimeout(), limits.headerWaitTimeout());
        ChannelPipeline p = ch.pipeline();
        p.addLast(HEADER_TIMEOUT, headerTimeout);
        // HttpDecoderConfig is mutable: each decoder gets its own copy.
        p.addLast(CODEC, new StrictServerCodec(decoderConfig(limits)));
        p.addLast(DISPATCHER, new ExchangeDispatcher(router, config.requestLimits(), headerTimeout, accessLog, state));
    }
}
