package dev.porter.testing;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * A hosting model for front-server tests: answers every request on the event loop with
 * {@code <METHOD> <cooked path> <query>\n<app path>\n<body>} after reading the whole body, so tests see exactly what
 * the front server handed to the application.
 */
public final class EchoHosting implements HostingModelFactory {

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                ByteBuf body = Unpooled.buffer();
                exchange.receiveBody(content -> {
                    body.writeBytes(content.content());
                    content.release();
                    if (content instanceof LastHttpContent) {
                        answer(exchange, body);
                    }
                });
                if (exchange.isRequestComplete() && !exchange.isDone()) {
                    answer(exchange, body);
                }
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    private static void answer(Exchange exchange, ByteBuf body) {
        if (exchange.isDone() || exchange.isHeadWritten()) {
            return;
        }
        // "-" for a target without "?", as the W3C log writes it.
        String head = exchange.request().method() + " " + exchange.target().cookedPath() + " "
                + exchange.target().rawQuery().orElse("-") + "\n" + exchange.applicationPath() + "\n";
        ByteBuf out = Unpooled.buffer();
        out.writeCharSequence(head, StandardCharsets.UTF_8);
        out.writeBytes(body);
        body.release();
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, out);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, out.readableBytes());
        exchange.respond(response);
    }
}
