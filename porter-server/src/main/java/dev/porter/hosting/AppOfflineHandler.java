package dev.porter.hosting;

import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;

/**
 * The application while {@code app_offline.htm} is present (spec §6): every request gets 503, {@code Content-Type:
 * text/html}, and the file's bytes exactly as they were when the file was detected.
 */
final class AppOfflineHandler implements ApplicationHandler {

    static final String FILE_NAME = "app_offline.htm";

    private final byte[] body;

    AppOfflineHandler(byte[] body) {
        this.body = body;
    }

    @Override
    public void handle(Exchange exchange) {
        exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/html", body);
    }

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        return CompletableFuture.completedFuture(null);
    }
}
