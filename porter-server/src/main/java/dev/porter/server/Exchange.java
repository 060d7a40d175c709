package dev.porter.server;

import dev.porter.config.ServerConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One request and its response on a client connection: the object the front server hands to a {@link RequestHandler}.
 *
 * <p>Threading: every method must be called on {@link #eventLoop()} (the client connection's loop). A handler that
 * works on another thread hops with {@code exchange.eventLoop().execute(...)}. Nothing here blocks.
 *
 * <p>Request body: {@link #receiveBody} delivers the body's {@link HttpContent}s in order, the last one a
 * {@link LastHttpContent}; ownership passes to the receiver, which releases them. Content that arrives before a
 * receiver is set is held (and the connection stops reading past 64 KiB). {@link #pauseBody}/{@link #resumeBody}
 * stop and restart reading from the client: that is the backpressure an upload gets.
 *
 * <p>Response: {@link #writeHead} then {@link #writeContent} until a {@link LastHttpContent}, or {@link #respond} for a
 * whole response. Framing is the front server's job: a head without {@code Content-Length} is sent chunked to
 * HTTP/1.1 clients and close-delimited to HTTP/1.0 ones; keep-alive and {@code Connection} are decided here.
 * {@link #isWritable()}/{@link #onWritabilityChanged} give the backpressure a download gets.
 *
 * <p>If the client goes away (or the exchange is aborted) before the response is complete, the {@link #onAbort}
 * callbacks run once; later writes are dropped and released.
 */
public final class Exchange {

    /** Receives the request body. Called on the event loop. */
    @FunctionalInterface
    public interface BodyReceiver {
        void onContent(HttpContent content);
    }

    private static final int BUFFER_BEFORE_PAUSE = 64 * 1024;

    private final ExchangeDispatcher connection;
    private final Channel channel;
    private final HttpRequest request;
    private final RequestTarget target;
    private final Route route;
    private final long maxBodyBytes;
    private final long startNanos = System.nanoTime();

    private final ArrayDeque<HttpContent> heldBody = new ArrayDeque<>();
    private long heldBytes;
    private long receivedBodyBytes;
    private BodyReceiver receiver;
    private boolean requestComplete;
    private boolean bodyPausedByHandler;

    private boolean headWritten;
    private boolean complete;
    private boolean aborted;
    private boolean keepAlive;
    private int status;
    private int subStatus;
    private long responseBodyBytes;
    private final List<Runnable> abortListeners = new ArrayList<>(2);
    private Runnable writabilityListener;

    Exchange(ExchangeDispatcher connection, Channel channel, HttpRequest request, RequestTarget target, Route route,
            long maxBodyBytes) {
        this.connection = connection;
        this.channel = channel;
        this.request = request;
        this.target = target;
        this.route = route;
        this.maxBodyBytes = maxBodyBytes;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        // A request without a body is complete with its head; the decoder's empty LastHttpContent adds nothing.
        this.requestComplete = !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0L;
    }

    // ---- what the request is ---------------------------------------------------------------------------------------

    /** The request head as the client sent it (validated). A forwarding handler may edit its headers. */
    public HttpRequest request() {
        return request;
    }

    public RequestTarget target() {
        return target;
    }

    public ServerConfig.Site site() {
        return route.site();
    }

    /** The matched application's virtual path: {@code /} or {@code /app}. */
    public String applicationPath() {
        return route.application().path();
    }

    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Whether the client connection is TLS. */
    public boolean isSecure() {
        return false;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    public long startNanos() {
        return startNanos;
    }

    // ---- request body ----------------------------------------------------------------------------------------------

    /** Sets the body receiver; held content is delivered at once. */
    public void receiveBody(BodyReceiver bodyReceiver) {
        this.receiver = bodyReceiver;
        while (!heldBody.isEmpty() && receiver == bodyReceiver && !aborted) {
            HttpContent c = heldBody.poll();
            heldBytes -= c.content().readableBytes();
            bodyReceiver.onContent(c);
        }
        connection.updateReading();
    }

    /** Whether the whole request body has arrived from the client. */
    public boolean isRequestComplete() {
        return requestComplete;
    }

    /** Stops reading from the client until {@link #resumeBody}. */
    public void pauseBody() {
        bodyPausedByHandler = true;
        connection.updateReading();
    }

    public void resumeBody() {
        bodyPausedByHandler = false;
        connection.updateReading();
    }

    /** Whether the connection should not read now on this exchange's account. */
    boolean wantsReadingPaused() {
        if (isUpgradeRequest() && !isDone()) {
            return true;
        }
        return !requestComplete && (bodyPausedByHandler || (receiver == null && heldBytes >= BUFFER_BEFORE_PAUSE));
    }

    /** Called by the dispatcher with each piece of this request's body. */
    void offerContent(HttpContent content) {
        if (requestComplete) {
            ReferenceCountUtil.release(content);
            return;
        }
        if (aborted || complete) {
            ReferenceCountUtil.release(content);
            if (content instanceof LastHttpContent) {
                requestComplete = true;
            }
            return;
        }
        receivedBodyBytes += content.content().readableBytes();
        if (receivedBodyBytes > maxBodyBytes) {
            ReferenceCountUtil.release(content);
            requestComplete = true;
            connection.bodyTooLarge(this);
            return;
        }
        if (content instanceof LastHttpContent) {
            requestComplete = true;
        }
        if (receiver != null) {
            receiver.onContent(content);
        } else {
            heldBody.add(content);
            heldBytes += content.content().readableBytes();
        }
        connection.updateReading();
    }

    // ---- response --------------------------------------------------------------------------------------------------

    public boolean isHeadWritten() {
        return headWritten;
    }

    /** Whether the response is complete or the exchange was aborted. */
    public boolean isDone() {
        return complete || aborted;
    }

    public boolean isAborted() {
        return aborted;
    }

    /** The IIS sub-status for the access log (e.g. 5 for a 502.5). */
    public void setSubStatus(int value) {
        this.subStatus = value;
    }

    /**
     * Writes the response head (not flushed). The head may be a {@link FullHttpResponse}, which also completes the
     * response. Hop-by-hop framing headers are the front server's: {@code Connection} is set here.
     */
    public void writeHead(HttpResponse head) {
        if (isDone() || headWritten) {
            ReferenceCountUtil.release(head);
            if (!isDone()) {
                throw new IllegalStateException("response head already written");
            }
            return;
        }
        headWritten = true;
        status = head.status().code();
        prepareFraming(head);
        if (head instanceof FullHttpResponse full) {
            responseBodyBytes += full.content().readableBytes();
            complete(channel.writeAndFlush(full));
        } else {
            channel.write(head);
        }
    }

    /** Writes body content; a {@link LastHttpContent} completes the response (and always flushes). */
    public ChannelFuture writeContent(HttpContent content, boolean flush) {
        if (isDone()) {
            ReferenceCountUtil.release(content);
            return channel.newSucceededFuture();
        }
        if (!headWritten) {
            ReferenceCountUtil.release(content);
            throw new IllegalStateException("writeContent before writeHead");
        }
        responseBodyBytes += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            ChannelFuture f = channel.writeAndFlush(content);
            complete(f);
            return f;
        }
        return flush ? channel.writeAndFlush(content) : channel.write(content);
    }

    public void flush() {
        if (!isDone()) {
            channel.flush();
        }
    }

    /** A whole response at once. */
    public void respond(FullHttpResponse response) {
        writeHead(response);
    }

    /** A response with a body of bytes (may be empty) and the given content type (none if null). */
    public void respond(HttpResponseStatus responseStatus, String contentType, byte[] body) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, responseStatus,
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        respond(response);
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    /** Called when {@link #isWritable()} changes; one listener, the last one set wins. */
    public void onWritabilityChanged(Runnable listener) {
        this.writabilityListener = listener;
    }

    /** Runs once if the exchange ends before its response is complete (client gone, or aborted). */
    public void onAbort(Runnable listener) {
        if (aborted) {
            listener.run();
        } else {
            abortListeners.add(listener);
        }
    }

    /** Whether the client asked to switch protocols ({@code Upgrade} header, e.g. WebSocket). */
    public boolean isUpgradeRequest() {
        return request.headers().contains(HttpHeaderNames.UPGRADE);
    }

    /**
     * Switches protocols: writes the {@code 101} head, then takes HTTP off the client connection and hands the raw
     * channel (bytes in, bytes out) to {@code onUpgraded}, which owns it from then on, adding its own handlers and
     * closing it when done. Bytes the client sent after its request arrive on that channel. The exchange is complete.
     * While an upgrade request waits for its answer the connection does not read, so no early bytes get decoded as
     * HTTP.
     */
    public void upgrade(HttpResponse switchingProtocols, java.util.function.Consumer<Channel> onUpgraded) {
        if (isDone() || headWritten) {
            throw new IllegalStateException("response already started");
        }
        if (switchingProtocols.status().code() != 101) {
            throw new IllegalArgumentException("an upgrade answers 101, not " + switchingProtocols.status());
        }
        headWritten = true;
        complete = true;
        status = 101;
        abortListeners.clear();
        switchingProtocols.headers().set(HttpHeaderNames.DATE, HttpDate.now());
        connection.exchangeUpgraded(this);
        channel.writeAndFlush(switchingProtocols).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                channel.close();
                return;
            }
            connection.removeHttp();
            channel.config().setAutoRead(true);
            onUpgraded.accept(channel);
        });
    }

    /** Ends the exchange without (more of) a response: the client connection is closed. */
    public void abort() {
        if (!isDone()) {
            channel.close();
            clientGone();
        }
    }

    // ---- called by the dispatcher ----------------------------------------------------------------------------------

    void writabilityChanged() {
        Runnable listener = writabilityListener;
        if (listener != null && !isDone()) {
            listener.run();
        }
    }

    /** The connection closed (or the exchange was cut off) before the response completed. */
    void clientGone() {
        if (isDone()) {
            return;
        }
        aborted = true;
        releaseHeldBody();
        List<Runnable> listeners = List.copyOf(abortListeners);
        abortListeners.clear();
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                ExchangeDispatcher.LOG.warn("abort listener failed", e);
            }
        }
        connection.exchangeEnded(this, false);
    }

    void releaseHeldBody() {
        HttpContent c;
        while ((c = heldBody.poll()) != null) {
            ReferenceCountUtil.release(c);
        }
        heldBytes = 0;
    }

    int status() {
        return status;
    }

    int subStatus() {
        return subStatus;
    }

    long responseBodyBytes() {
        return responseBodyBytes;
    }

    long requestBodyBytes() {
        return receivedBodyBytes;
    }

    private void complete(ChannelFuture lastWrite) {
        complete = true;
        releaseHeldBody();
        abortListeners.clear();
        boolean reuse = keepAlive && requestComplete;
        if (!reuse) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
        connection.exchangeEnded(this, reuse);
    }

    /**
     * Decides keep-alive and the body framing for this head: the response is self-delimited (Content-Length, chunked
     * for HTTP/1.1, or a status/method with no body) or the connection closes after it.
     */
    private void prepareFraming(HttpResponse head) {
        HttpHeaders h = head.headers();
        if (!h.contains(HttpHeaderNames.DATE)) {
            h.set(HttpHeaderNames.DATE, HttpDate.now());
        }
        if (h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            keepAlive = false;
        }
        boolean noBody = request.method().equals(HttpMethod.HEAD) || status == 204 || status == 304
                || (status >= 100 && status < 200);
        boolean http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        if (!noBody && !(head instanceof FullHttpResponse) && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (http10) {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                keepAlive = false; // close-delimited: HTTP/1.0 has no chunked coding
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!requestComplete) {
            // Whatever the client still sends of this body is not read: the connection cannot be reused.
            keepAlive = false;
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            h.remove(HttpHeaderNames.CONNECTION);
        }
    }

    /** A head for a status, HTTP/1.1, nothing else. */
    public static HttpResponse head(HttpResponseStatus responseStatus) {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, responseStatus);
    }
}
