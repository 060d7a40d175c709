package dev.porter.server;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Where the front server reports each answered request: the W3C extended access log (IIS's default format), one
 * line per request, or nothing. Called on the connection's event loop; implementations must not block it.
 */
public interface AccessLog {

    AccessLog NONE = new AccessLog() {
        @Override
        public void completed(Channel channel, Exchange exchange) {
        }

        @Override
        public void rejected(Channel channel, HttpRequest request, int status) {
        }
    };

    /** An exchange ended: its response completed or it was aborted. */
    void completed(Channel channel, Exchange exchange);

    /** A request the front server refused before routing (or with no application to route to). */
    void rejected(Channel channel, HttpRequest request, int status);
}
