package dev.porter.hosting.outofprocess.forwarding;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The messages {@link ProxyExchange} writes for a bodyless request and for a response whose body came in one piece,
 * mirrored for the codec benchmarks (kept in step with ProxyExchange by hand).
 */
final class ProxyMessages {

    private ProxyMessages() {
    }

    /** ProxyExchange.connected without a body: the head, then an empty last content. */
    static void writeBodylessRequest(Channel ch, HttpRequest proxyToServerRequest) {
        ch.write(proxyToServerRequest, ch.voidPromise());
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
    }

    /** ProxyExchange.serverToProxyHead then serverToProxyContent: the head, then the last content. */
    static void writeResponse(Channel ch, HttpResponse proxyToClientResponse, LastHttpContent last) {
        ch.write(proxyToClientResponse, ch.voidPromise());
        ch.write(last, ch.voidPromise());
    }
}
