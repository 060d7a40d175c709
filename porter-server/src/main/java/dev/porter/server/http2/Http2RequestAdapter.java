package dev.porter.server.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * On an HTTP/2 stream's pipeline, after {@code Http2StreamFrameToHttpObjectCodec} and before the
 * {@link ExchangeDispatcher}: makes the request the codec built from the stream's HEADERS look exactly like an
 * HTTP/1.1 request head, so that everything after it (limits, security, both hosting models, the forwarder's
 * HTTP/1.1 hop) treats both protocols alike. Removes Netty's {@code x-http2-*} bookkeeping headers (a backend must
 * never see them, and a client cannot forge them: h2 header names it sends under that prefix go too); frames the
 * body as HTTP/1.1 would (RFC 9113 section 8.1: a request whose stream stays open has a body, chunked unless it
 * declared {@code Content-Length}); and splits a {@link FullHttpRequest} (HEADERS with END_STREAM) into head and
 * end, the shape the dispatcher reads. Stateless; shared.
 */
@ChannelHandler.Sharable
public final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {

    public static final Http2RequestAdapter INSTANCE = new Http2RequestAdapter();

    private Http2RequestAdapter() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpHeaders headers = request.headers();
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
        if (msg instanceof FullHttpRequest full) {
            // The whole request was one HEADERS frame: no body follows.
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
                    headers);
            DefaultLastHttpContent end = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(end);
            return;
        }
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        ctx.fireChannelRead(request);
    }
}
