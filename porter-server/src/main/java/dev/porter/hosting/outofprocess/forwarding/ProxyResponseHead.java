package dev.porter.hosting.outofprocess.forwarding;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Builds the proxyToClientResponse head from the serverToProxyResponse (spec/ancm-contract.md §1.4,
 * {@code SetStatusAndHeaders}): status and reason phrase as the backend sent them; headers copied (duplicates kept)
 * except {@code Transfer-Encoding} (the front server re-frames), {@code Date} (the front server sets its own) and
 * {@code Connection}/{@code Keep-Alive} (unless {@code forwardResponseConnectionHeader}). The backend's {@code Server}
 * passes; none is added when it sent none. The backend's header object is reused, not copied.
 */
final class ProxyResponseHead {

    private ProxyResponseHead() {
    }

    static HttpResponse build(HttpResponse serverToProxyResponse, boolean forwardConnectionHeader) {
        HttpHeaders headers = serverToProxyResponse.headers();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.DATE);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        if (!forwardConnectionHeader) {
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        HttpResponseStatus status = serverToProxyResponse.status();
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers);
    }

    /** The 101 of a WebSocket upgrade: the backend's headers with {@code Connection}/{@code Upgrade} kept (§1.6). */
    static HttpResponse switchingProtocols(HttpResponse serverToProxyResponse) {
        HttpHeaders headers = serverToProxyResponse.headers();
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.DATE);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, serverToProxyResponse.status(), headers);
    }
}
