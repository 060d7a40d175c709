package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded request (spec/ancm-contract.md §1.4–§1.6): streams the clientToProxyRequest body to the backend as
 * proxyToServerRequest and the serverToProxyResponse back to the client as proxyToClientResponse, chunk by chunk, with
 * backpressure both ways (client body reads pause while the backend connection is not writable; backend reads pause
 * while the client connection is not writable). Everything runs on the client's event loop, which the backend
 * connection shares. Every way it can end ({@link #responseComplete}, {@link #fail}, {@link #clientGone},
 * {@link #tunnelEnded}) goes through {@link #end} exactly once.
 *
 * <p>Failures before the response head was written answer 502.3; after it, the client connection is aborted, since
 * a truncated response must not look complete. No request is ever retried, with one exception ANCM does not have
 * (ANCM relies on WinHTTP, which does the same for its own pooled connections): a request without a body, of an
 * idempotent method (RFC 9110 §9.2.2), whose pooled connection turns out to have been closed by the backend before
 * any response byte arrived, is sent once more on a new connection. That is the keep-alive race every pooling client
 * has (the backend closes an idle connection just as it is reused); a bodyless POST is never retried, since the
 * backend may have acted on it.
 *
 * <p>A request that never reached the backend is not a failed forward when the backend process is gone: a connect
 * refused because the process was just killed (its exit not yet seen when the request picked it), or a forwarder
 * closed by the exit watch before the connection was made. If the forwarder knows the process's fate, such a request
 * is handed back to the hosting handler once the exit is seen (at most {@link #EXIT_WAIT_MILLIS}), and waits for the
 * restart like a request for an application not started yet. A connect refused by a process that stays alive is
 * 502.3 as before: nothing is retried that reached a backend.
 *
 * <p>Per request it costs as few writes and system calls as the protocol allows: a request without a body goes to the
 * backend as one message ({@code FullHttpRequest}: one buffer, one {@code write(2)}); a response head is held until the
 * body's first piece, so that a small response read in one go reaches the client as one message too
 * ({@link ProxyResponseHead#canJoin}), and otherwise goes out at the end of the read burst, as before; each leg is
 * flushed once per read burst. The requestTimeout watch belongs to the backend connection ({@link BackendHandler}),
 * not to the request, so nothing is scheduled or cancelled per request.
 */
final class ProxyExchange {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);
    /** How long the 101 may take to reach the client before the backend side of the tunnel is given up. */
    private static final long UPGRADE_JOIN_LIMIT_SECONDS = 30;
    /** How long a refused connect waits for the process's exit to be seen before it counts as a live refusal. */
    static final long EXIT_WAIT_MILLIS = 2_000;
    private static final long EXIT_POLL_MILLIS = 5;

    private final Forwarder forwarder;
    private final BackendPool pool;
    private final Exchange exchange;
    private final HttpRequest proxyToServerRequest;
    private final boolean hasBody;
    private final boolean webSocket;
    private final long timeoutNanos;

    /**
     * The proxy-to-server leg, named as the request's objects are (clientToProxy..., proxyToServer...): the backend
     * connection's channel and its handler, null until connected and once let go.
     */
    private Channel proxyToServerChannel;
    private BackendHandler proxyToServerHandler;
    /** A final response head held back until its body's first piece, so that a whole small response goes out as one. */
    private HttpResponse pendingHead;
    private boolean reusedConnection;
    private boolean retried;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean headWritten;
    private boolean swallowingInterim;
    private boolean serverKeepAlive = true;
    private boolean needsFlush;
    private boolean backendReadsPaused;
    private boolean clientBodyPaused;
    private boolean receivingBody;
    private long lastActivity;
    /** Bounds the wait for the 101 to reach the client (the requestTimeout watch is the connection's). */
    private ScheduledFuture<?> joinTimer;
    private boolean tunnelling;
    private boolean tunnelJoined;
    private List<Object> earlyTunnelBytes;
    private boolean finished;
    private boolean ended;

    ProxyExchange(Forwarder forwarder, BackendPool pool, Exchange exchange) {
        this.forwarder = forwarder;
        this.pool = pool;
        this.exchange = exchange;
        HttpRequest clientToProxyRequest = exchange.request();
        this.webSocket = forwarder.options().webSocketsEnabled()
                && ProxyRequestHead.isWebSocketUpgrade(clientToProxyRequest);
        this.hasBody = ProxyRequestHead.hasBody(clientToProxyRequest);
        this.proxyToServerRequest = ProxyRequestHead.build(exchange, forwarder.target().token(), webSocket,
                pool.clientAddress(exchange.remoteAddress()), !hasBody, forwarder.options().forwardedHeaders());
        this.timeoutNanos = forwarder.options().requestTimeout().toNanos();
        if (!webSocket && clientToProxyRequest.headers().contains(HttpHeaderNames.UPGRADE)) {
            // An upgrade that is not forwarded (h2c, or WebSockets off) makes this an ordinary request; the front
            // server holds back reading while an upgrade is pending, which would stall a body (curl's POST with
            // Upgrade: h2c), so the request stops looking like one.
            clientToProxyRequest.headers().remove(HttpHeaderNames.UPGRADE);
        }
    }

    void start() {
        exchange.onAbort(this::clientGone);
        if (finished) {
            return;
        }
        exchange.onWritabilityChanged(this::clientWritabilityChanged);
        pool.acquire(this);
    }

    // ---- connection ------------------------------------------------------------------------------------------------

    void connected(BackendHandler handler, boolean reused) {
        Channel ch = handler.channel();
        if (finished) {
            ch.close();
            return;
        }
        proxyToServerChannel = ch;
        proxyToServerHandler = handler;
        reusedConnection = reused;
        handler.attach(this);
        lastActivity = System.nanoTime();
        if (timeoutNanos > 0) {
            handler.watch(timeoutNanos);
        }
        if (!hasBody) {
            // A whole request (FullHttpRequest, empty body): one message, one buffer, one write(2).
            ch.writeAndFlush(proxyToServerRequest, ch.voidPromise());
            requestSent = true;
            return;
        }
        ch.writeAndFlush(proxyToServerRequest, ch.voidPromise());
        if (!receivingBody) {
            receivingBody = true;
            exchange.receiveBody(this::clientToProxyContent);
        }
    }

    void connectFailed(Throwable cause) {
        if (finished) {
            return;
        }
        pool.ended(this);
        if (cause instanceof ConnectTimeoutException) {
            fail(ForwardingError.TIMEOUT, "could not connect to the application within requestTimeout", cause);
        } else if (forwarder.canTakeBack()) {
            awaitBackendExit(cause, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_WAIT_MILLIS));
        } else {
            fail(ForwardingError.CANNOT_CONNECT, "could not connect to the application", cause);
        }
    }

    /**
     * The connect was refused: nothing was sent. A process being killed closes its listener just before its exit is
     * seen, so look again for a short while (polled, so that a live process that refuses leaves nothing registered).
     */
    private void awaitBackendExit(Throwable cause, long deadline) {
        if (finished) {
            return;
        }
        if (forwarder.isBackendGone()) {
            handBack();
        } else if (System.nanoTime() - deadline >= 0) {
            fail(ForwardingError.CANNOT_CONNECT, "could not connect to the application", cause);
        } else {
            pool.loop().schedule(() -> awaitBackendExit(cause, deadline), EXIT_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Nothing of the request reached the backend, whose process is gone: the hosting handler takes it back. */
    private void handBack() {
        finished = true;
        cancelTimer();
        pool.ended(this);
        end();
        forwarder.takeBack(exchange);
    }

    // ---- clientToProxyRequest body -> proxyToServerRequest ---------------------------------------------------------

    private void clientToProxyContent(HttpContent content) {
        Channel ch = proxyToServerChannel;
        if (finished || tunnelling || ch == null) {
            content.release();
            return;
        }
        lastActivity = System.nanoTime();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            ProxyRequestHead.sanitizeTrailers(((LastHttpContent) content).trailingHeaders());
        }
        ch.writeAndFlush(content, ch.voidPromise());
        if (last) {
            requestSent = true;
        } else if (!ch.isWritable() && !clientBodyPaused) {
            clientBodyPaused = true;
            exchange.pauseBody();
        }
    }

    void backendWritabilityChanged() {
        Channel ch = proxyToServerChannel;
        if (clientBodyPaused && ch != null && ch.isWritable() && !finished) {
            clientBodyPaused = false;
            exchange.resumeBody();
        }
    }

    // ---- serverToProxyResponse -> proxyToClientResponse ------------------------------------------------------------

    void serverToProxy(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastActivity = System.nanoTime();
        if (tunnelling) {
            if (msg instanceof ByteBuf bytes && earlyTunnelBytes != null) {
                earlyTunnelBytes.add(bytes); // bytes after the 101, before the client side is joined
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        responseStarted = true;
        if (msg instanceof HttpResponse response) {
            serverToProxyHead(response);
        } else if (msg instanceof HttpContent content) {
            serverToProxyContent(content);
        } else {
            ReferenceCountUtil.release(msg);
            fail(ForwardingError.INVALID_RESPONSE, "unexpected bytes from the application", null);
        }
    }

    private void serverToProxyHead(HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            Throwable cause = response.decoderResult().cause();
            ReferenceCountUtil.release(response);
            fail(ForwardingError.INVALID_RESPONSE, "the application's response head is malformed", cause);
            return;
        }
        int code = response.status().code();
        if (code == 101) {
            if (webSocket) {
                startTunnel(response);
            } else {
                ReferenceCountUtil.release(response);
                fail(ForwardingError.INVALID_RESPONSE, "the application switched protocols without being asked", null);
            }
            return;
        }
        if (code < 200) {
            swallowingInterim = true; // 100 Continue and friends: the front server already answered Expect
            ReferenceCountUtil.release(response);
            return;
        }
        if (headWritten) {
            ReferenceCountUtil.release(response);
            fail(ForwardingError.INVALID_RESPONSE, "a second response head from the application", null);
            return;
        }
        serverKeepAlive = HttpUtil.isKeepAlive(response);
        headWritten = true;
        needsFlush = true;
        // Held until the body's first piece (or the end of this read burst): when that piece is the whole body, head
        // and body go to the client as one message, encoded into one buffer and written with one system call.
        pendingHead = ProxyResponseHead.build(response, forwarder.options().forwardResponseConnectionHeader());
    }

    /** Writes the held response head, if any, on its own. */
    private void writePendingHead() {
        HttpResponse head = pendingHead;
        if (head != null) {
            pendingHead = null;
            exchange.writeHead(head);
        }
    }

    private void serverToProxyContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (swallowingInterim) {
            content.release();
            if (last) {
                swallowingInterim = false;
            }
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            fail(ForwardingError.INVALID_RESPONSE, "the application's response body is malformed", cause);
            return;
        }
        if (!headWritten) {
            content.release();
            return;
        }
        if (last) {
            // The backend has answered: it stops counting as outstanding there before the client can see the end
            // and send its next request (least-outstanding balancing must not see it still busy).
            end();
            HttpResponse head = pendingHead;
            if (head != null && ProxyResponseHead.canJoin(head, (LastHttpContent) content)) {
                pendingHead = null;
                exchange.writeHead(ProxyResponseHead.join(head, (LastHttpContent) content));
            } else {
                writePendingHead();
                exchange.writeContent(content, true);
            }
            responseComplete();
            return;
        }
        writePendingHead();
        exchange.writeContent(content, false);
        needsFlush = true;
        if (!exchange.isWritable() && !backendReadsPaused) {
            backendReadsPaused = true;
            proxyToServerChannel.config().setAutoRead(false);
        }
    }

    /** End of one read burst from the backend: what it sent goes to the client now (SSE, long polling). */
    void serverReadComplete() {
        if (needsFlush && !finished) {
            needsFlush = false;
            writePendingHead(); // a head whose body has not come yet (a stream, a slow backend) goes out now
            exchange.flush();
        }
    }

    private void clientWritabilityChanged() {
        Channel ch = proxyToServerChannel;
        if (backendReadsPaused && exchange.isWritable() && ch != null && !finished) {
            backendReadsPaused = false;
            lastActivity = System.nanoTime();
            ch.config().setAutoRead(true);
        }
    }

    private void responseComplete() {
        boolean reusable = serverKeepAlive && requestSent && !swallowingInterim;
        BackendHandler handler = proxyToServerHandler;
        detachBackend();
        finished = true;
        pool.release(this, handler, reusable);
        end();
    }

    // ---- WebSocket tunnel (§1.6) -----------------------------------------------------------------------------------

    private void startTunnel(HttpResponse response101) {
        tunnelling = true;
        headWritten = true;
        earlyTunnelBytes = new ArrayList<>(2);
        proxyToServerChannel.config().setAutoRead(false);
        // Exchange.upgrade calls back only once the 101 is written; if the client is gone by then, it never does.
        // A bounded wait keeps the backend side (and inFlight) from waiting for ever.
        joinTimer = pool.loop().schedule(this::tunnelNotJoined, UPGRADE_JOIN_LIMIT_SECONDS, TimeUnit.SECONDS);
        exchange.upgrade(ProxyResponseHead.switchingProtocols(response101), this::joinTunnel);
    }

    private void tunnelNotJoined() {
        joinTimer = null;
        if (!tunnelJoined && !finished) {
            forwarderClosed();
        }
    }

    private void joinTunnel(Channel client) {
        Channel ch = proxyToServerChannel;
        if (finished || ch == null || !ch.isActive()) {
            releaseEarlyTunnelBytes();
            client.close();
            if (!finished) {
                finished = true;
                detachBackend();
                pool.ended(this);
                end();
            }
            return;
        }
        tunnelJoined = true;
        cancelTimer();
        client.pipeline().addLast(TunnelRelay.NAME, new TunnelRelay(ch));
        for (Object bytes : earlyTunnelBytes) {
            client.write(bytes, client.voidPromise());
        }
        earlyTunnelBytes = null;
        proxyToServerHandler.detach();
        proxyToServerHandler = null;
        ch.pipeline().replace(BackendHandler.NAME, TunnelRelay.NAME, new TunnelRelay(client));
        ch.pipeline().remove(BackendPool.CODEC); // bytes the codec still held go through the relay
        client.flush();
        ch.closeFuture().addListener(f -> tunnelEnded());
        ch.config().setAutoRead(true);
        if (!client.isActive()) {
            ch.close(); // the client left before its relay was in place, so the relay never hears of it
        }
    }

    private void tunnelEnded() {
        if (!finished) {
            finished = true;
            proxyToServerChannel = null;
            pool.ended(this);
            end();
        }
    }

    private void releaseEarlyTunnelBytes() {
        if (earlyTunnelBytes != null) {
            earlyTunnelBytes.forEach(ReferenceCountUtil::release);
            earlyTunnelBytes = null;
        }
    }

    // ---- endings ---------------------------------------------------------------------------------------------------

    /** The backend connection closed or failed (cause null: closed). */
    void backendClosed(Throwable cause) {
        if (finished) {
            return;
        }
        if (tunnelling && !tunnelJoined) {
            Channel ch = proxyToServerChannel;
            proxyToServerChannel = null;
            if (ch != null) {
                ch.close();
            }
            return; // joinTunnel (or, if the 101 never reaches the client, the timer) ends the exchange
        }
        if (!responseStarted && reusedConnection && !hasBody && !retried && isIdempotent()) {
            retried = true;
            LOG.debug("Pooled connection to {} was closed by the application; retrying {} {} once on a new one",
                    forwarder.backendName(), exchange.request().method(), exchange.request().uri());
            Channel ch = detachBackend();
            if (ch != null) {
                ch.close();
            }
            requestSent = false;
            pool.connect(this);
            return;
        }
        if (!responseStarted && forwarder.isStopRequested()) {
            stoppedUnanswered();
            return;
        }
        boolean invalid = cause instanceof DecoderException || cause instanceof TooLongFrameException;
        fail(invalid ? ForwardingError.INVALID_RESPONSE : ForwardingError.CONNECTION_ERROR,
                responseStarted ? "the application closed the connection before the response was complete"
                        : "the application closed the connection without a response", cause);
    }

    /**
     * The app, told to stop, closed the connection without a byte of this request's response: it is as unavailable as
     * it is to every request that arrives once it is stopping, so the client gets the same 503 (the reliability bar:
     * taking an app offline under load yields only 200 and 503).
     */
    private void stoppedUnanswered() {
        finished = true;
        Channel ch = detachBackend();
        if (ch != null) {
            ch.close();
        }
        pendingHead = null;
        pool.ended(this);
        releaseEarlyTunnelBytes();
        LOG.debug("{} {}: the application at {} is stopping and closed the connection without answering; 503",
                exchange.request().method(), exchange.request().uri(), forwarder.backendName());
        if (!exchange.isDone()) {
            exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, null, new byte[0]);
        }
        end();
    }

    private boolean isIdempotent() {
        HttpMethod m = exchange.request().method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
    }

    /** 502.3 if nothing was written to the client yet, else the client connection is aborted. */
    void fail(ForwardingError error, String detail, Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        Channel ch = detachBackend();
        if (ch != null) {
            ch.close(); // mid-message: never back to the pool
        }
        if (!exchange.isDone()) {
            writePendingHead(); // the response had started: it is cut off below, not replaced by a 502
        }
        pendingHead = null;
        pool.ended(this);
        releaseEarlyTunnelBytes();
        if (error != ForwardingError.SHUTTING_DOWN) {
            // One line per failed request, naming the request, the backend and why; the stack only when debugging.
            LOG.warn("Forwarding {} {} to application at {} failed: {} ({}: {}){}", exchange.request().method(),
                    exchange.request().uri(), forwarder.backendName(), detail, error.code(), error.text(),
                    cause == null ? "" : ": " + cause);
            if (cause != null && LOG.isDebugEnabled()) {
                LOG.debug("Forwarding failure detail", cause);
            }
        }
        if (!exchange.isDone()) {
            if (!exchange.isHeadWritten()) {
                BadGatewayPage.respond(exchange, error, detail);
            } else {
                exchange.abort();
            }
        }
        end();
    }

    private void clientGone() {
        if (finished) {
            return;
        }
        finished = true;
        Channel ch = detachBackend();
        if (ch != null) {
            ch.close();
        }
        pool.ended(this);
        releaseEarlyTunnelBytes();
        end();
    }

    /** The forwarder is closing: the request ends now, an open tunnel closes. */
    void forwarderClosed() {
        if (tunnelJoined) {
            Channel ch = proxyToServerChannel;
            if (ch != null) {
                ch.close(); // the relay closes the client side; tunnelEnded follows
            }
            return;
        }
        if (tunnelling) {
            finished = true;
            Channel ch = detachBackend();
            if (ch != null) {
                ch.close();
            }
            pool.ended(this);
            releaseEarlyTunnelBytes();
            end();
            return;
        }
        if (!finished && proxyToServerChannel == null && !requestSent && forwarder.canTakeBack()
                && forwarder.isBackendGone()) {
            handBack(); // still connecting when the exit watch closed the forwarder
            return;
        }
        fail(ForwardingError.SHUTTING_DOWN, "the application is stopping", null);
    }

    private Channel detachBackend() {
        cancelTimer();
        Channel ch = proxyToServerChannel;
        proxyToServerChannel = null;
        BackendHandler handler = proxyToServerHandler;
        proxyToServerHandler = null;
        if (handler != null) {
            handler.detach();
        }
        return ch;
    }

    private void end() {
        if (!ended) {
            ended = true;
            forwarder.exchangeEnded();
        }
    }

    // ---- requestTimeout (§1.5) -------------------------------------------------------------------------------------

    /** Cancels this exchange's own timer (the tunnel join limit); the requestTimeout watch is the connection's. */
    private void cancelTimer() {
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
    }

    /**
     * The backend may stay silent for at most requestTimeout, before the first response byte and between bytes. Time
     * spent waiting on the client (its upload is slow, or it does not take the download) is not the backend's.
     */
    void timerFired() {
        if (finished || tunnelling) {
            return;
        }
        long now = System.nanoTime();
        boolean waitingOnClient = backendReadsPaused || (hasBody && !requestSent && !clientBodyPaused);
        if (waitingOnClient) {
            lastActivity = now;
        }
        long silent = now - lastActivity;
        if (silent < timeoutNanos) {
            BackendHandler handler = proxyToServerHandler;
            if (handler != null) {
                handler.watch(timeoutNanos - silent);
            }
            return;
        }
        fail(ForwardingError.TIMEOUT, "the application sent nothing for "
                + forwarder.options().requestTimeout().toMillis() + " ms (requestTimeout)", null);
    }
}
