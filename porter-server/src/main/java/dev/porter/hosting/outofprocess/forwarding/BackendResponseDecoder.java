package dev.porter.hosting.outofprocess.forwarding;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Decodes a proxy-to-server connection's responses, knowing the method of the request each one answers (a response to
 * {@code HEAD} has no body, whatever its framing fields say). Netty's {@code HttpClientCodec} learns the method from
 * the request passing through its encoder; a bodyless proxyToServerRequest goes to the socket already encoded
 * ({@link ProxyRequestHead#encodeBodyless}), past the encoder, so the {@link BackendConnection} names the method here
 * instead ({@link #expect}). A connection carries one request at a time, so one field is the whole queue.
 */
final class BackendResponseDecoder extends HttpResponseDecoder {

    private HttpMethod method = HttpMethod.GET;

    BackendResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    /** The method of the request now sent: the next response answers it. */
    void expect(HttpMethod requestMethod) {
        this.method = requestMethod;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        if (code >= 200 && (HttpMethod.HEAD.equals(method)
                || (code < 300 && HttpMethod.CONNECT.equals(method)))) {
            // RFC 9112 §6.3: no body after a HEAD's response, nor after a 2xx to CONNECT (a tunnel, not a message;
            // the exchange does not reuse that connection).
            return true;
        }
        return super.isContentAlwaysEmpty(msg);
    }
}
