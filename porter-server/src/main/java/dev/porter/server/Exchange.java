package dev.porter.server;

import dev.porter.config.ServerConfig;
import dev.porter.server.errors.HttpDate;
import dev.porter.server.peer.ClientAddress;
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
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response on a client connection: the object the front server hands to a {@link RequestHandler}.
 *
 * <p>Threading: every method must be called on {@link #eventLoop()} (the client connection's loop). A handler that
 * works on another thread hops with {@code exchange.eventLoop().execute(...)}. Nothing here blocks.
 *
 * <p>Request body: {@link #receiveBody} delivers the body's {@link HttpContent}s in order, the last one a
 * {@link LastHttpContent}; ownership passes to the receiver, which releases them. Content that arrives before a
 * receiver is set is held (and the connection stops reading past 64 KiB). {@link #pauseBody}/{@link #resumeBody}
 * stop and restart reading from the client: that is the backpressure an upload gets. While paused, nothing is
 * delivered (content already read is held and comes after {@link #resumeBody}). An {@code Expect: 100-continue} is
 * answered with {@code 100 Continue} when the receiver is set (and never if the response comes first), so a handler
 * that refuses an upload early saves the client from sending it.
 *
 * <p>Response: {@link #writeHead} then {@link #writeContent} until a {@link LastHttpContent}, or {@link #respond} for a
 * whole response. Framing is the front server's job: a head without {@code Content-Length} is sent chunked to
 * HTTP/1.1 clients and close-delimited to HTTP/1.0 ones, a full response gets its {@code Content-Length}, a HEAD
 * response the framing headers a GET would have; keep-alive and {@code Connection} are decided here, and a body that
 * does not match its declared {@code Content-Length} closes the connection. The status line is always
 * {@code HTTP/1.1}. Interim responses are the front server's ({@code 100 Continue}) or {@link #upgrade}'s (101).
 * {@link #isWritable()}/{@link #onWritabilityChanged} give the backpressure a download gets.
 *
 * <p>Connection: {@link #isSecure()}, {@link #sslSession()} and {@link #clientCertificate()} describe TLS;
 * {@link #user()} is who the front server authenticated (empty: anonymous). On HTTP/2 each stream is one exchange:
 * the request head looks like an HTTP/1.1 one (Host from {@code :authority}, a body without Content-Length is
 * chunked), {@link #protocol()} says {@code HTTP/2.0}, connection-specific response headers are dropped by the
 * HTTP/2 encoder, and "closing the connection" resets only the stream.
 *
 * <p>If the client goes away (or the exchange is aborted) before the response is complete, the {@link #onAbort}
 * callbacks run once; later writes are dropped and released. A response that completes before the request body was
 * read closes the connection (after a short lingering read, so the client sees the response and not a reset).
 */
public final class Exchange {

    /** Receives the request body. Called on the event loop. */
    @FunctionalInterface
    public interface BodyReceiver {
        void onContent(HttpContent content);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    private static final int BUFFER_BEFORE_PAUSE = 64 * 1024;
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");

    private final ExchangeChannel connection;
    private final Channel channel;
    private final HttpRequest request;
    /** Resolved on first use; a benign race (a pure function of the connection and the request head). */
    private volatile ClientAddress.Client client;
    private final RequestTarget target;
    private final Route route;
    private final long maxBodyBytes;
    private final long startNanos = System.nanoTime();
    private final boolean upgradeRequest;
    private final boolean http10;

    /** Content read but not delivered yet (no receiver, or paused); allocated on first need. */
    private ArrayDeque<HttpContent> heldBody;
    private long heldBytes;
    private long receivedBodyBytes;
    private BodyReceiver receiver;
    private boolean requestComplete;
    private boolean bodyPausedByHandler;
    private boolean delivering;
    private boolean expectContinue;

    private boolean headWritten;
    private boolean complete;
    private boolean aborted;
    private boolean keepAlive;
    private int status;
    private int subStatus;
    private long responseBodyBytes;
    /** The response's Content-Length, or -1 when it has none (or no body is sent: HEAD, 204, 304). */
    private long declaredLength = -1;
    /**
     * The first abort listener in a field of its own: every hosting model registers exactly one per request, and that
     * costs no list. A second and more (rare) go to the list, allocated on first use.
     */
    private Runnable abortListener;
    private List<Runnable> moreAbortListeners;
    private Runnable writabilityListener;
    /**
     * Run once when the exchange ends, whichever way (see {@link #onEnd}). Two slots, since an out-of-process request
     * has two (the application's count, then its incarnation's): neither costs an allocation per request.
     */
    private Runnable endListener;
    private Runnable secondEndListener;
    private Optional<AuthenticatedUser> user = Optional.empty();
    private final ConnectionSide connectionSide = new ConnectionSide();

    private Exchange(ExchangeChannel connection, Channel channel, HttpRequest request, RequestTarget target,
            Route route, long maxBodyBytes, long contentLength, boolean chunked, boolean expectContinue) {
        this.connection = connection;
        this.channel = channel;
        this.request = request;
        this.target = target;
        this.route = route;
        this.maxBodyBytes = maxBodyBytes;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.upgradeRequest = request.headers().contains(HttpHeaderNames.UPGRADE);
        // A request without a body is complete with its head; the decoder's empty LastHttpContent adds nothing.
        this.requestComplete = !chunked && contentLength <= 0;
        this.expectContinue = expectContinue && !requestComplete;
    }

    /**
     * Opens the exchange of a request head the connection admitted, and returns the connection's side of it: the one
     * way an exchange comes to be. Called by the front server's connections ({@code server.http1},
     * {@code server.http2}) only, on the connection's event loop.
     */
    public static ConnectionSide open(ExchangeChannel connection, Channel channel, HttpRequest request,
            RequestTarget target, Route route, long maxBodyBytes, long contentLength, boolean chunked,
            boolean expectContinue) {
        return new Exchange(connection, channel, request, target, route, maxBodyBytes, contentLength, chunked,
                expectContinue).connectionSide;
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

    /**
     * The client: the TCP peer, the client a PROXY protocol header named, or the one a trusted proxy's forwarding
     * fields named ({@link ClientAddress}).
     */
    public InetSocketAddress remoteAddress() {
        return client().address();
    }

    /** Who the client is and how Porter knows ({@link ClientAddress#resolve}); decided once per exchange. */
    public ClientAddress.Client client() {
        ClientAddress.Client c = client;
        if (c == null) {
            c = ClientAddress.resolve(channel, request.headers());
            client = c;
        }
        return c;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Whether the client connection is TLS. */
    public boolean isSecure() {
        return connection.tls().isPresent();
    }

    /**
     * The connection's TLS state (session, client certificate), empty on plain http. The connection holds this
     * Optional: calling it per request allocates nothing.
     */
    public Optional<ClientTls> tls() {
        return connection.tls();
    }

    /** The TLS session of the client connection, empty on plain http. */
    public Optional<javax.net.ssl.SSLSession> sslSession() {
        return connection.tls().map(ClientTls::session);
    }

    /** The client's TLS certificate (verified against the configured client CAs), empty when it sent none. */
    public Optional<java.security.cert.X509Certificate> clientCertificate() {
        Optional<ClientTls> tls = connection.tls();
        return tls.isEmpty() ? Optional.empty() : tls.get().clientCertificate();
    }

    /**
     * The request's protocol as an app sees it: {@code HTTP/2.0} on an HTTP/2 stream (the request head Porter builds
     * from its frames says HTTP/1.1), else the request line's {@code HTTP/1.1} or {@code HTTP/1.0}.
     */
    public String protocol() {
        return connection.isHttp2() ? "HTTP/2.0" : request.protocolVersion().text();
    }

    /** Whether this exchange is a stream of an HTTP/2 connection. */
    public boolean isHttp2() {
        return connection.isHttp2();
    }

    /** The user the front server authenticated; empty for an anonymous request (no allocation then). */
    public Optional<AuthenticatedUser> user() {
        return user;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /**
     * Waits off the loop, then continues on it: once {@code stage} completes (on whatever thread completes it),
     * {@code then} runs on this exchange's event loop with the result or the failure, unless the exchange is done by
     * then (the client left, or it was answered). When the loop no longer takes tasks (the server is stopping, and the
     * client connection with it) nothing runs. The one way the front and the hosting models hop back after waiting for
     * a start, a password check or an application's creation.
     */
    public <T> void resumeWhen(CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> then) {
        stage.whenComplete((result, failure) -> {
            try {
                eventLoop().execute(() -> {
                    if (!isDone()) {
                        then.accept(result, failure);
                    }
                });
            } catch (RejectedExecutionException e) {
                // the server is stopping, and the client connection with it
            }
        });
    }

    /**
     * Hands this exchange to {@code handler} ({@link RequestHandler#handle}), on the event loop, with the front's one
     * policy for a handler that throws: the failure is logged at ERROR with the application and the request, and the
     * exchange fails ({@link #fail()}: 500 when no head went out yet, else the connection is cut). Whoever dispatches
     * an exchange, at once or after waiting, goes through here.
     */
    public void handleWith(RequestHandler handler) {
        try {
            handler.handle(this);
        } catch (RuntimeException e) {
            LOG.error("Request handler for application '{}' failed on {} {}", route.application().path(),
                    request.method(), request.uri(), e);
            fail();
        }
    }

    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    public long startNanos() {
        return startNanos;
    }

    // ---- request body ----------------------------------------------------------------------------------------------

    /**
     * Sets the body receiver; held content is delivered at once (unless paused). Answers a pending
     * {@code Expect: 100-continue}.
     */
    public void receiveBody(BodyReceiver bodyReceiver) {
        this.receiver = bodyReceiver;
        if (expectContinue && !headWritten && !isDone() && receivedBodyBytes == 0) {
            // (a client that did not wait and has started sending needs no invitation)
            expectContinue = false;
            connection.sendContinue();
        }
        deliverHeld();
        connection.readInterestChanged();
    }

    /** Whether the whole request body has arrived from the client. */
    public boolean isRequestComplete() {
        return requestComplete;
    }

    /** Stops reading from the client, and delivering to the receiver, until {@link #resumeBody}. */
    public void pauseBody() {
        bodyPausedByHandler = true;
        connection.readInterestChanged();
    }

    public void resumeBody() {
        bodyPausedByHandler = false;
        deliverHeld();
        connection.readInterestChanged();
    }

    private boolean wantsReadingPaused() {
        if (requestComplete) {
            // An upgrade request waits for its answer without reading: what follows may be another protocol.
            return upgradeRequest && !isDone();
        }
        return bodyPausedByHandler || (receiver == null && heldBytes >= BUFFER_BEFORE_PAUSE);
    }

    private void offerContent(HttpContent content) {
        if (requestComplete) {
            content.release();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (aborted || complete) {
            content.release();
            requestComplete = last;
            return;
        }
        receivedBodyBytes += content.content().readableBytes();
        if (receivedBodyBytes > maxBodyBytes) {
            content.release();
            connection.bodyTooLarge(this);
            return;
        }
        requestComplete = last;
        if (last) {
            connection.requestBodyComplete();
        }
        if (receiver != null && !bodyPausedByHandler && (heldBody == null || heldBody.isEmpty())) {
            receiver.onContent(content);
        } else {
            if (heldBody == null) {
                heldBody = new ArrayDeque<>(4);
            }
            heldBody.add(content);
            heldBytes += content.content().readableBytes();
            deliverHeld();
        }
        connection.readInterestChanged();
    }

    /** Delivers held content while there is a receiver and it is not paused; never reentrant. */
    private void deliverHeld() {
        if (delivering || heldBody == null) {
            return;
        }
        delivering = true;
        try {
            HttpContent c;
            while (receiver != null && !bodyPausedByHandler && !isDone() && (c = heldBody.poll()) != null) {
                heldBytes -= c.content().readableBytes();
                receiver.onContent(c);
            }
        } finally {
            delivering = false;
        }
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
     * response. Hop-by-hop framing headers are the front server's: {@code Connection}, {@code Keep-Alive} and the
     * body framing ({@code Content-Length} for a full response, chunked or close-delimited otherwise) are set here.
     */
    public void writeHead(HttpResponse head) {
        if (isDone() || headWritten) {
            ReferenceCountUtil.release(head);
            if (!isDone()) {
                throw new IllegalStateException("response head already written");
            }
            return;
        }
        int code = head.status().code();
        if (code < 200) {
            ReferenceCountUtil.release(head);
            throw new IllegalArgumentException("writeHead takes a final status; " + code
                    + " is interim (use upgrade for 101)");
        }
        headWritten = true;
        status = code;
        expectContinue = false;
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
            content.release();
            return channel.newSucceededFuture();
        }
        if (!headWritten) {
            content.release();
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
        // HTTP/2: also while the connection is backed up, so that what a client that reads nothing makes Porter hold
        // is bounded per connection, not per stream (Http2StreamWritability announces the connection draining).
        return channel.isWritable() && (!connection.isHttp2() || channel.parent().isWritable());
    }

    /** Called when {@link #isWritable()} changes; one listener, the last one set wins. */
    public void onWritabilityChanged(Runnable listener) {
        this.writabilityListener = listener;
    }

    /**
     * Runs once if the exchange ends before its response is complete (client gone, or aborted); at once if it already
     * was aborted; never if the response completes.
     */
    public void onAbort(Runnable listener) {
        if (aborted) {
            listener.run();
        } else if (!complete) {
            if (abortListener == null) {
                abortListener = listener;
                return;
            }
            if (moreAbortListeners == null) {
                moreAbortListeners = new ArrayList<>(2);
            }
            moreAbortListeners.add(listener);
        }
    }

    /**
     * Runs once when the exchange ends: its response complete, switched to another protocol, or aborted; at once if it
     * already has. Listeners run in the order they were added (the hosting module's count of requests an application
     * holds, then its incarnation's drain count). Called and run on the exchange's event loop.
     */
    public void onEnd(Runnable listener) {
        if (isDone()) {
            listener.run();
        } else if (endListener == null) {
            endListener = listener;
        } else if (secondEndListener == null) {
            secondEndListener = listener;
        } else {
            Runnable second = secondEndListener; // a third and more: chained behind the second, in order
            secondEndListener = () -> {
                runListener(second, "end");
                runListener(listener, "end");
            };
        }
    }

    private void ended() {
        Runnable first = endListener;
        Runnable second = secondEndListener;
        endListener = null;
        secondEndListener = null;
        if (first != null) {
            runListener(first, "end");
        }
        if (second != null) {
            runListener(second, "end");
        }
    }

    /** Runs an end or abort listener: one that throws is logged, and the others still run. */
    private static void runListener(Runnable listener, String kind) {
        try {
            listener.run();
        } catch (RuntimeException e) {
            LOG.warn("{} listener failed", kind, e);
        }
    }

    /**
     * The handler failed: 500 with an empty body if nothing of the response was written yet, else the connection is
     * cut (the client must not take a truncated response for a whole one). Nothing happens if the exchange is done.
     */
    public void fail() {
        if (isDone()) {
            return;
        }
        if (isHeadWritten()) {
            abort();
        } else {
            respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, new byte[0]);
        }
    }

    /** Whether the client asked to switch protocols ({@code Upgrade} header, e.g. WebSocket). */
    public boolean isUpgradeRequest() {
        return upgradeRequest;
    }

    /**
     * Switches protocols: writes the {@code 101} head, then takes HTTP off the client connection and hands the raw
     * channel (bytes in, bytes out) to {@code onUpgraded}, which owns it from then on: it adds its own handlers
     * before it returns, and closes the channel when done. Bytes the client sent after its request (even in the same
     * packet) are then passed through the pipeline as {@link io.netty.buffer.ByteBuf}s, before anything read later;
     * auto-read is on when {@code onUpgraded} is called (it may turn it off). The exchange is complete. While an
     * upgrade request waits for its answer the connection neither reads nor decodes, so no early bytes get taken for
     * HTTP. Only after the whole request (an upgrade request normally has no body) has arrived.
     */
    public void upgrade(HttpResponse switchingProtocols, java.util.function.Consumer<Channel> onUpgraded) {
        if (isDone() || headWritten) {
            ReferenceCountUtil.release(switchingProtocols);
            throw new IllegalStateException("response already started");
        }
        if (switchingProtocols.status().code() != 101) {
            ReferenceCountUtil.release(switchingProtocols);
            throw new IllegalArgumentException("an upgrade answers 101, not " + switchingProtocols.status());
        }
        if (!requestComplete) {
            ReferenceCountUtil.release(switchingProtocols);
            throw new IllegalStateException("an upgrade needs the whole request first; its body has not all arrived");
        }
        headWritten = true;
        complete = true;
        status = 101;
        forgetAbortListeners();
        ended();
        releaseHeldBody();
        switchingProtocols.headers().set(HttpHeaderNames.DATE, HttpDate.header());
        connection.upgraded(this);
        channel.writeAndFlush(switchingProtocols).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                channel.close();
                return;
            }
            connection.switchProtocols(onUpgraded);
        });
    }

    /** Ends the exchange without (more of) a response: the client connection is closed. */
    public void abort() {
        if (!isDone()) {
            clientGone();
            channel.close();
        }
    }

    // ---- the connection's side -------------------------------------------------------------------------------------

    /**
     * What the connection (or HTTP/2 stream) that carries an exchange tells it: the other half of
     * {@link ExchangeChannel}, held only by that connection ({@link #open}), so an application that holds the
     * {@link Exchange} cannot feed it content or declare its client gone. Every method is called on the connection's
     * event loop. {@code ArchitectureTest} keeps every package but the front server's own from naming it.
     */
    public final class ConnectionSide {

        private ConnectionSide() {
        }

        /** The exchange this side belongs to: what the connection hands to the application. */
        public Exchange exchange() {
            return Exchange.this;
        }

        /** Each piece of this request's body, in order; ownership passes to the exchange. */
        public void offerContent(HttpContent content) {
            Exchange.this.offerContent(content);
        }

        /** Whether the connection should not read now on this exchange's account. */
        public boolean wantsReadingPaused() {
            return Exchange.this.wantsReadingPaused();
        }

        /** The client's writability changed. */
        public void writabilityChanged() {
            Exchange.this.writabilityChanged();
        }

        /** The connection closed (or the exchange was cut off) before the response completed. Runs at most once. */
        public void clientGone() {
            Exchange.this.clientGone();
        }

        /** The front server's authentication gate admitted the request as this user (empty: anonymous). */
        public void authenticated(Optional<AuthenticatedUser> authenticatedUser) {
            user = authenticatedUser;
        }
    }

    private void writabilityChanged() {
        Runnable listener = writabilityListener;
        if (listener != null && !isDone()) {
            listener.run();
        }
    }

    private void clientGone() {
        if (isDone()) {
            return;
        }
        aborted = true;
        releaseHeldBody();
        Runnable first = abortListener;
        List<Runnable> more = moreAbortListeners;
        forgetAbortListeners();
        if (first != null) {
            runListener(first, "abort");
        }
        if (more != null) {
            for (Runnable listener : more) {
                runListener(listener, "abort");
            }
        }
        ended();
        connection.aborted(this);
    }

    private void forgetAbortListeners() {
        abortListener = null;
        moreAbortListeners = null;
    }

    private void releaseHeldBody() {
        if (heldBody == null) {
            return;
        }
        HttpContent c;
        while ((c = heldBody.poll()) != null) {
            c.release();
        }
        heldBytes = 0;
    }

    /** The response's status once its head is written (101 after an upgrade), else 0: for the access logs. */
    public int status() {
        return status;
    }

    /** The IIS sub-status set by {@link #setSubStatus}, else 0. */
    public int subStatus() {
        return subStatus;
    }

    /** Response body bytes written so far. */
    public long responseBodyBytes() {
        return responseBodyBytes;
    }

    /** Request body bytes received so far. */
    public long requestBodyBytes() {
        return receivedBodyBytes;
    }

    private void complete(ChannelFuture lastWrite) {
        complete = true;
        if (declaredLength >= 0 && declaredLength != responseBodyBytes) {
            // The head promised another length: the client cannot find the next response, so there is none.
            LOG.warn("Response to {} {} declared Content-Length {} but sent {} bytes; closing the "
                    + "connection", request.method(), request.uri(), declaredLength, responseBodyBytes);
            keepAlive = false;
        }
        releaseHeldBody();
        forgetAbortListeners();
        ended();
        connection.completed(this, lastWrite, keepAlive && requestComplete, !requestComplete);
    }

    /**
     * Decides keep-alive and the body framing for this head: the response is self-delimited (Content-Length, chunked
     * for HTTP/1.1, or a status/method with no body) or the connection closes after it. A HEAD response gets the
     * framing headers a GET would have.
     */
    private void prepareFraming(HttpResponse head) {
        head.setProtocolVersion(HttpVersion.HTTP_1_1); // our version, whatever a backend's head said
        HttpHeaders h = head.headers();
        if (!h.contains(HttpHeaderNames.DATE)) {
            h.set(HttpHeaderNames.DATE, HttpDate.header());
        }
        if (h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            keepAlive = false;
        }
        boolean statusWithoutBody = status == 204 || status == 304;
        boolean headRequest = request.method().equals(HttpMethod.HEAD);
        if (statusWithoutBody) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            if (status == 204) {
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        } else if (head instanceof FullHttpResponse full) {
            if (!h.contains(HttpHeaderNames.CONTENT_LENGTH) && !headRequest) {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                h.setInt(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
            } else {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            }
        } else if (HttpUtil.isTransferEncodingChunked(head) || !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            // Chunked wins over a Content-Length (RFC 9112 section 6.3): never send both.
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (http10) {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                if (!headRequest) {
                    keepAlive = false; // close-delimited: HTTP/1.0 has no chunked coding
                }
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (!headRequest && !statusWithoutBody) {
            String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null) {
                try {
                    declaredLength = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    // Unusable framing from the handler: send the body close-delimited instead.
                    h.remove(HttpHeaderNames.CONTENT_LENGTH);
                    keepAlive = false;
                }
            }
        }
        if (!requestComplete || connection.isDraining()) {
            // Whatever the client still sends of this body is not read: the connection cannot be reused.
            keepAlive = false;
        }
        h.remove(KEEP_ALIVE);
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
