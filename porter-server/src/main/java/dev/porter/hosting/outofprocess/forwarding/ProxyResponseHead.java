package dev.porter.hosting.outofprocess.forwarding;

import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

/**
 * Builds the proxyToClientResponse head from the serverToProxyResponse (spec/ancm-contract.md §1.4,
 * {@code SetStatusAndHeaders}): status and reason phrase as the backend sent them; headers copied (duplicates kept)
 * except {@code Transfer-Encoding} (the front server re-frames), {@code Date} (the front server sets its own) and
 * {@code Connection}/{@code Keep-Alive} (unless {@code forwardResponseConnectionHeader}). The backend's {@code Server}
 * passes; none is added when it sent none. The backend's head object is reused, not copied: nothing else holds it.
 */
final class ProxyResponseHead {

    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");

    private ProxyResponseHead() {
    }

    static HttpResponse build(HttpResponse serverToProxyResponse, boolean forwardConnectionHeader) {
        HttpHeaders headers = serverToProxyResponse.headers();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.DATE);
        headers.remove(KEEP_ALIVE);
        if (!forwardConnectionHeader) {
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        serverToProxyResponse.setProtocolVersion(HttpVersion.HTTP_1_1);
        return serverToProxyResponse;
    }

    /**
     * Whether the head and its whole body can go to the client as one message, when the body came in one piece right
     * after the head (a small response read in one go): the front server then encodes both into one buffer and writes
     * them with one system call. Only when that changes nothing the client sees: the head frames the body itself
     * ({@code Content-Length}, or a status without a body) and there are no trailers; otherwise the head and the
     * content
     * go separately and the front server frames the body (re-chunked) as for any stream.
     */
    static boolean canJoin(HttpResponse proxyToClientResponse, LastHttpContent last) {
        int code = proxyToClientResponse.status().code();
        return last.trailingHeaders().isEmpty() && (code == 204 || code == 304
                || proxyToClientResponse.headers().contains(HttpHeaderNames.CONTENT_LENGTH));
    }

    /** The head and its body as one response; the content's reference passes to it ({@code last} is not released). */
    static FullHttpResponse join(HttpResponse proxyToClientResponse, LastHttpContent last) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, proxyToClientResponse.status(), last.content(),
                proxyToClientResponse.headers(), last.trailingHeaders());
    }

    /** The 101 of a WebSocket upgrade: the backend's headers with {@code Connection}/{@code Upgrade} kept (§1.6). */
    static HttpResponse switchingProtocols(HttpResponse serverToProxyResponse) {
        HttpHeaders headers = serverToProxyResponse.headers();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.DATE);
        headers.remove(KEEP_ALIVE);
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, serverToProxyResponse.status(), headers);
    }
}
