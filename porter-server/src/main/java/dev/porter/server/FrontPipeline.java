package dev.porter.server;

import dev.porter.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Builds a client connection's pipeline: header timeout, strict HTTP/1.x codec, dispatcher. {@code Expect} is answered
 * by the dispatcher after routing and the request limits, so an oversized body gets its 413, never a 100 Continue.
 */
final class FrontPipeline {

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

    void init(Channel ch) {
        ServerConfig.WebLimits limits = config.webLimits();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestBytes())
                .setMaxHeaderSize(limits.maxRequestBytes())
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true);
        HeaderTimeoutHandler headerTimeout =
                new HeaderTimeoutHandler(limits.connectionTimeout(), limits.headerWaitTimeout());
        ChannelPipeline p = ch.pipeline();
        p.addLast("header-timeout", headerTimeout);
        p.addLast("codec", new StrictServerCodec(decoderConfig));
        p.addLast("dispatcher", new ExchangeDispatcher(router, config.requestLimits(), headerTimeout, accessLog, state));
    }
}
