package dev.porter.hosting;

import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;

/**
 * The application while its web.config cannot be used (spec §4, event 1034): every request gets 500 with an empty
 * body, as ANCM answers; the reason is in the server log, once, not in the response (it names files and paths).
 */
final class ConfigErrorHandler implements ApplicationHandler {

    @Override
    public void handle(Exchange exchange) {
        exchange.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, new byte[0]);
    }

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        return CompletableFuture.completedFuture(null);
    }
}
