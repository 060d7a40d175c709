package dev.porter.testing;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.server.Exchange;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A hosting model for front-server tests whose every application answers with the given code, called on the
 * exchange's event loop (the {@link dev.porter.server.RequestHandler} contract). Plus ready-made behaviours: an early
 * responder, a streaming writer that respects writability.
 */
public final class HandlerHosting implements HostingModelFactory {

    private final Consumer<Exchange> handler;

    public HandlerHosting(Consumer<Exchange> handler) {
        this.handler = handler;
    }

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                handler.accept(exchange);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    /** Answers at once with {@code status} and a short text body, without reading the request body. */
    public static HandlerHosting earlyResponder(HttpResponseStatus status) {
        return new HandlerHosting(exchange -> exchange.respond(status, "text/plain",
                ("early " + status.code()).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Streams {@code chunks} chunks of {@code chunkSize} bytes of {@code 'x'} without a Content-Length, writing only
     * while the client connection is writable (resuming on the writability callback); {@code pauses} counts how often
     * it had to wait.
     */
    public static HandlerHosting streamingWriter(int chunks, int chunkSize, java.util.concurrent.atomic.AtomicInteger
            pauses) {
        return new HandlerHosting(exchange -> {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            exchange.writeHead(head);
            byte[] chunk = new byte[chunkSize];
            java.util.Arrays.fill(chunk, (byte) 'x');
            int[] written = {0};
            Runnable pump = new Runnable() {
                @Override
                public void run() {
                    while (written[0] < chunks && !exchange.isDone()) {
                        if (!exchange.isWritable()) {
                            pauses.incrementAndGet();
                            exchange.flush();
                            return; // onWritabilityChanged calls again
                        }
                        written[0]++;
                        exchange.writeContent(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)), false);
                    }
                    if (written[0] == chunks && !exchange.isDone()) {
                        exchange.writeContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
                    }
                }
            };
            exchange.onWritabilityChanged(() -> {
                if (exchange.isWritable()) {
                    pump.run();
                }
            });
            pump.run();
        });
    }
}
