package dev.porter.hosting.outofprocess.forwarding;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The messages {@link ProxyExchange} writes for a bodyless request and for a response whose body came in one piece
 * right after its head, mirrored for the codec benchmarks (kept in step with ProxyExchange by hand).
 */
final class ProxyMessages {

    private ProxyMessages() {
    }

    /** ProxyExchange.connected without a body: the whole request (ProxyRequestHead.build made it a full one). */
    static void writeBodylessRequest(Channel ch, HttpRequest proxyToServerRequest) {
        ch.write(proxyToServerRequest, ch.voidPromise());
        if (!(proxyToServerRequest instanceof FullHttpRequest)) {
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        }
    }

    /** ProxyExchange.serverToProxyContent after a held head: one message when they can be, else head then content. */
    static void writeResponse(Channel ch, HttpResponse proxyToClientResponse, LastHttpContent last) {
        if (ProxyResponseHead.canJoin(proxyToClientResponse, last)) {
            ch.write(ProxyResponseHead.join(proxyToClientResponse, last), ch.voidPromise());
            return;
        }
        ch.write(proxyToClientResponse, ch.voidPromise());
        ch.write(last, ch.voidPromise());
    }
}
