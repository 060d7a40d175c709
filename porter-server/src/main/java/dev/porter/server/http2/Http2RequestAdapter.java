package dev.porter.server.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.util.List;

/**
 * An HTTP/2 stream's frame-to-HTTP/1 codec (Netty's, validating headers), which also makes the request it builds from
 * the stream's HEADERS look exactly like an HTTP/1.1 request head, so that everything after it (limits, security,
 * both hosting models, the forwarder's HTTP/1.1 hop) treats both protocols alike. Removes Netty's {@code x-http2-*}
 * bookkeeping headers (a backend must never see them, and a client cannot forge them: h2 header names it sends under
 * that prefix go too); frames the body as HTTP/1.1 would (RFC 9113 section 8.1: a request whose stream stays open has
 * a body, chunked unless it declared {@code Content-Length}); and a request that is one HEADERS frame with END_STREAM
 * becomes a head and the empty end, as an HTTP/1.1 decoder reads a request without a body (never Netty's full request,
 * whose empty pooled body and trailer map would be made only to be dropped). Everything else (DATA, trailers, the
 * responses written) is Netty's conversion. Stateless; one instance serves every stream.
 */
@ChannelHandler.Sharable
public final class Http2RequestAdapter extends Http2StreamFrameToHttpObjectCodec {

    public static final Http2RequestAdapter INSTANCE = new Http2RequestAdapter();

    private Http2RequestAdapter() {
        super(true, true);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, List<Object> out) throws Exception {
        if (!(frame instanceof Http2HeadersFrame headersFrame) || headersFrame.headers().method() == null
                || headersFrame.headers().status() != null) {
            super.decode(ctx, frame, out); // DATA, trailers, and whatever Netty's conversion refuses
            return;
        }
        Http2Headers h2 = headersFrame.headers();
        Http2FrameStream stream = headersFrame.stream();
        HttpRequest request = HttpConversionUtil.toHttpRequest(stream == null ? 0 : stream.id(), h2, true);
        HttpHeaders headers = request.headers();
        for (HttpConversionUtil.ExtensionHeaderNames name : HttpConversionUtil.ExtensionHeaderNames.values()) {
            headers.remove(name.text());
        }
        out.add(request);
        if (headersFrame.isEndStream()) {
            // The whole request was one HEADERS frame: no body follows.
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }
}
