package dev.porter.hosting.servlet;

import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Porter's transport for Jetty: one request of the front server ({@link Exchange}) as a Jetty {@link HttpStream}, the
 * seam Jetty's own HTTP/2, HTTP/3 and FastCGI transports implement. The request crosses as objects (Netty's decoded
 * head becomes a {@link MetaData.Request}, body pieces become chunks, {@link RequestBody}); the response goes back
 * as Netty objects through {@code Exchange.writeHead/writeContent}, whose framing (Content-Length or chunked, HEAD,
 * keep-alive) stays the front server's. No socket, no second HTTP parse or generation.
 *
 * <p>Contract points (see the design): a {@code send} buffer is consumed (position = limit) before its callback
 * completes, because Jetty re-sends what is left; a callback completes only when Netty has written the bytes (the
 * download back-pressure: one send in flight per stream), except for a small last write, which is copied and completes
 * at once; {@code 100 Continue} is the front server's (it answers when the body is first asked for), so Jetty's own
 * interim 100 is dropped; 101 is not interim for Jetty: it is held until Jetty completes the exchange, then
 * {@code Exchange.upgrade} writes it and hands the raw channel to the {@link PorterEndPoint} the connection Jetty
 * created (WebSocket) was built on.
 *
 * <p>Threading: created and fed on the exchange's event loop; {@code send}, {@code read}, {@code demand} come from
 * the app's threads and hop onto the loop for every Netty call; callbacks complete on the loop when they do not block,
 * on the executor otherwise.
 */
final class PorterHttpStream implements HttpStream {

    /** Last writes up to this size are copied into one full response (head and body in one write). */
    private static final int COPY_LIMIT = 16 * 1024;
    /** Jetty's response fields are valid already: Netty need not check each name and value again. */
    private static final DefaultHttpHeadersFactory RESPONSE_HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private final Exchange exchange;
    private final HttpChannel channel;
    private final Executor executor;
    private final RequestBody chunks;
    private final long id;
    private final boolean headRequest;
    private final Runnable onDone;
    /** The application's upgraded connections (closed when it stops). */
    private final java.util.Set<PorterEndPoint> upgradedEndPoints;
    private final AtomicBoolean done = new AtomicBoolean();
    /**
     * Set (under the stream's lock) when Jetty completed the exchange and the channel may serve another request: a late
     * client abort or body piece of this exchange must not reach the channel then.
     */
    private boolean released;
    private final AtomicReference<Callback> pendingSend = new AtomicReference<>();
    private volatile boolean committed;
    private volatile Supplier<HttpFields> responseTrailers;
    private volatile long idleTimeout = -1;
    private volatile MetaData.Response switchingProtocols;

    /**
     * On the event loop. {@code onDone} runs once when the exchange is over for Jetty; an upgraded connection joins
     * {@code upgradedEndPoints} until it closes.
     */
    PorterHttpStream(Exchange exchange, HttpChannel channel, Executor executor, long id, Runnable onDone,
            java.util.Set<PorterEndPoint> upgradedEndPoints) {
        this.upgradedEndPoints = upgradedEndPoints;
        this.exchange = exchange;
        this.channel = channel;
        this.executor = executor;
        this.id = id;
        this.onDone = onDone;
        this.headRequest = exchange.request().method().equals(HttpMethod.HEAD);
        this.chunks = RequestBody.of(exchange, executor, this::onContentAvailable);
        exchange.onAbort(this::clientGone);
    }

    /**
     * The request as Jetty's metadata, on the loop. {@code contextPath} is the application's virtual path: a request
     * Porter routed case-insensitively ({@code /APP1/x}) gets the path's prefix spelled as the context's, because
     * Jetty matches context paths exactly.
     */
    MetaData.Request requestMetaData(String contextPath, org.eclipse.jetty.http.HttpVersion version) {
        HttpRequest r = exchange.request();
        HttpHeaders headers = r.headers();
        HttpFields.Mutable fields = HttpFields.build(headers.size() + 2);
        HostPortHttpField host = null;
        for (Iterator<Map.Entry<String, String>> it = headers.iteratorAsString(); it.hasNext(); ) {
            Map.Entry<String, String> h = it.next();
            if (host == null && HttpHeader.HOST.is(h.getKey())) {
                host = new HostPortHttpField(h.getValue());
                fields.add(host);
            } else {
                fields.add(h.getKey(), h.getValue());
            }
        }
        String path = exchange.target().rawPath();
        int n = contextPath.length();
        if (n > 1 && path.regionMatches(true, 0, contextPath, 0, n) && !path.startsWith(contextPath)) {
            path = contextPath + path.substring(n);
        }
        Optional<String> query = exchange.target().rawQuery();
        String pathQuery = query.isPresent() ? path + "?" + query.get() : path;
        long contentLength = exchange.isRequestComplete() ? 0
                : HttpUtil.isTransferEncodingChunked(r) ? -1 : HttpUtil.getContentLength(r, -1L);
        return new MetaData.Request(exchange.startNanos(), r.method().name(), exchange.isSecure() ? "https" : "http",
                host, pathQuery, version, fields, contentLength);
    }

    @Override
    public String getId() {
        return Long.toString(id); // rarely asked (logs): not formatted for every request
    }

    @Override
    public Content.Chunk read() {
        return chunks.read();
    }

    @Override
    public void demand() {
        chunks.demand();
    }

    @Override
    public void prepareResponse(HttpFields.Mutable headers) {
        // Framing and connection headers are the front server's.
    }

    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content,
            Callback callback) {
        if (response != null) {
            int status = response.getStatus();
            if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                // Not interim for Jetty: the handshake's final answer. Held until Jetty completes the exchange
                // (succeeded()), then written by Exchange.upgrade, which takes HTTP off the client connection.
                consume(content);
                switchingProtocols = response;
                committed = true;
                callback.succeeded();
                return;
            }
            if (HttpStatus.isInterim(status)) {
                consume(content); // 100 Continue is the front server's; 102/103 are not forwarded
                callback.succeeded();
                return;
            }
            committed = true;
            responseTrailers = response.getTrailersSupplier();
        }
        // The head and trailers become Netty's here, on the app's thread: Jetty's response fields belong to the channel,
        // which Jetty may recycle for the next request as soon as this exchange completes (before the loop writes).
        HttpFields trailers = last ? trailers() : null;
        HttpResponse head = response == null ? null : head(response, last, trailers);
        ByteBuf body;
        boolean copied = false;
        if (content == null || !content.hasRemaining() || headRequest) {
            consume(content);
            body = Unpooled.EMPTY_BUFFER;
        } else if (last && content.remaining() <= COPY_LIMIT) {
            body = Unpooled.copiedBuffer(content); // consumes it
            copied = true;
        } else {
            body = Unpooled.wrappedBuffer(content); // a view: Jetty keeps the bytes until the callback completes
            consume(content);
        }
        boolean completeOnHandOff = copied || !body.isReadable();
        if (completeOnHandOff) {
            // Nothing of Jetty's is referenced any more: the send is done for the app now, on its own thread, and
            // the loop writes it in order after any earlier send. Completing here rather than on the loop spares the
            // app's thread a park and an unpark (two scheduler hops) on every small response.
            exchange.eventLoop().execute(() -> write(head, last, trailers, body, true, Callback.NOOP));
            callback.succeeded();
            return;
        }
        if (!pendingSend.compareAndSet(null, callback)) {
            body.release();
            callback.failed(new IllegalStateException("a send is already in flight"));
            return;
        }
        exchange.eventLoop().execute(() -> write(head, last, trailers, body, false, callback));
    }

    /**
     * Jetty's response head as Netty's. The body's framing stays the front server's; a response with trailers goes
     * chunked: the Content-Length Jetty sets for a body it had whole would make the front server frame it by length
     * and drop them (RFC 9112 §7.1.2). Tomcat chunks such a response too.
     */
    private HttpResponse head(MetaData.Response response, boolean last, HttpFields trailers) {
        HttpHeaders headers = RESPONSE_HEADERS.newHeaders();
        for (HttpField f : response.getHttpFields()) {
            headers.add(f.getName(), f.getValue());
        }
        if (responseTrailers != null && (!last || trailers != null)) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.getStatus()),
                headers);
    }

    private static void consume(ByteBuffer content) {
        if (content != null) {
            content.position(content.limit());
        }
    }

    /** On the loop. */
    private void write(HttpResponse head, boolean last, HttpFields trailers, ByteBuf body, boolean completeOnHandOff,
            Callback callback) {
        if (exchange.isDone()) {
            body.release();
            complete(callback, new EofException(exchange.isAborted() ? "client disconnected" : "response closed"));
            return;
        }
        try {
            if (head != null) {
                if (last && trailers == null && completeOnHandOff) {
                    exchange.writeHead(new DefaultFullHttpResponse(head.protocolVersion(), head.status(), body,
                            head.headers(), EmptyHttpHeaders.INSTANCE));
                    complete(callback, null);
                    return;
                }
                exchange.writeHead(head);
            }
            if (!last && !body.isReadable()) {
                body.release();
                exchange.flush();
                complete(callback, null);
                return;
            }
            ChannelFuture f;
            if (last) {
                DefaultLastHttpContent end = new DefaultLastHttpContent(body);
                if (trailers != null) {
                    for (HttpField t : trailers) {
                        end.trailingHeaders().add(t.getName(), t.getValue());
                    }
                }
                f = exchange.writeContent(end, true);
            } else {
                f = exchange.writeContent(new DefaultHttpContent(body), true);
            }
            if (completeOnHandOff) {
                complete(callback, null);
            } else {
                f.addListener(done -> complete(callback, done.isSuccess() ? null
                        : new EofException(done.cause())));
            }
        } catch (RuntimeException e) {
            if (callback == Callback.NOOP) {
                exchange.fail(); // the app's send already succeeded: a 500 if nothing was written, else a cut
            }
            complete(callback, e);
        }
    }

    private HttpFields trailers() {
        Supplier<HttpFields> supplier = responseTrailers;
        HttpFields t = supplier == null ? null : supplier.get();
        return t == null || t.size() == 0 ? null : t;
    }

    /** Completes a send's callback once (a cancelSend may have taken it). */
    private void complete(Callback callback, Throwable failure) {
        if (!pendingSend.compareAndSet(callback, null)) {
            return;
        }
        Runnable r = failure == null ? callback::succeeded : () -> callback.failed(failure);
        if (Invocable.getInvocationType(callback) == Invocable.InvocationType.NON_BLOCKING) {
            r.run();
        } else {
            executor.execute(r);
        }
    }

    @Override
    public Runnable cancelSend(Throwable cause, Callback callback) {
        return () -> {
            Callback pending = pendingSend.getAndSet(null);
            exchange.eventLoop().execute(exchange::abort);
            (pending == null ? callback : Callback.combine(pending, callback)).failed(cause);
        };
    }

    @Override
    public long getIdleTimeout() {
        return idleTimeout;
    }

    @Override
    public void setIdleTimeout(long idleTimeoutMs) {
        this.idleTimeout = idleTimeoutMs; // Porter's front server owns timeouts (ANCM in-process has none per request)
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public Throwable consumeAvailable() {
        return HttpStream.consumeAvailable(this, channel.getConnectionMetaData().getHttpConfiguration());
    }

    /**
     * Jetty is done with the exchange: after a 101, the client connection now belongs to the new protocol; otherwise
     * the channel is recycled for the app's next request.
     */
    @Override
    public void succeeded() {
        MetaData.Response upgrade = switchingProtocols;
        if (upgrade != null) {
            upgrade(upgrade);
            finish();
            return;
        }
        if (finish()) {
            synchronized (this) {
                released = true;
            }
            ((PorterConnector) channel.getConnectionMetaData().getConnector()).channels().release(channel);
        }
    }

    private void upgrade(MetaData.Response response) {
        Object attribute = channel.getRequest() == null ? null
                : channel.getRequest().getAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE);
        PorterEndPoint endPoint = ((PorterConnectionMetaData) channel.getConnectionMetaData()).endPointIfCreated();
        if (!(attribute instanceof org.eclipse.jetty.io.Connection connection) || endPoint == null
                || connection.getEndPoint() != endPoint) {
            exchange.eventLoop().execute(exchange::fail);
            return;
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        for (HttpField f : response.getHttpFields()) {
            headers.add(f.getName(), f.getValue());
        }
        exchange.eventLoop().execute(() -> {
            try {
                exchange.upgrade(new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.SWITCHING_PROTOCOLS, headers), upgraded -> {
                    endPoint.bind(upgraded);
                    upgraded.pipeline().addLast("porter-servlet-upgraded", endPoint.inbound());
                    upgradedEndPoints.add(endPoint);
                    upgraded.closeFuture().addListener(f -> upgradedEndPoints.remove(endPoint));
                    executor.execute(() -> {
                        endPoint.setConnection(connection);
                        endPoint.onOpen();
                        connection.onOpen();
                    });
                });
            } catch (RuntimeException e) {
                exchange.fail();
                endPoint.close(e);
            }
        });
    }

    /** Jetty failed the exchange: a 500 if nothing was written, else the connection is cut. */
    @Override
    public void failed(Throwable x) {
        exchange.eventLoop().execute(exchange::fail);
        finish();
    }

    /** Returns whether this call finished the exchange (the first to). */
    private boolean finish() {
        if (done.compareAndSet(false, true)) {
            chunks.releaseAll();
            onDone.run();
            return true;
        }
        return false;
    }

    /** The channel's task for a pending demand, unless the channel serves another request by now. */
    private Runnable onContentAvailable() {
        synchronized (this) {
            return released ? null : channel.onContentAvailable();
        }
    }

    /** On the loop: the client went away (or the front server refused the body) before the response completed. */
    private void clientGone() {
        EofException eof = new EofException("client disconnected");
        chunks.fail(eof);
        Runnable task;
        synchronized (this) {
            task = released ? null : channel.onRemoteFailure(eof);
        }
        if (task != null) {
            executor.execute(task);
        }
    }

    @Override
    public String toString() {
        return "PorterHttpStream@" + id;
    }
}
