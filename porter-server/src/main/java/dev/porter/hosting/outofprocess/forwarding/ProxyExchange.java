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
 * One forwarded request (spec/ancm-contract.md §1.4–§1.6), named by its legs as Jetty's proxy names them: the
 * {@code clientToProxyRequest} (the front's {@link Exchange}) goes to the backend as the {@code proxyToServerRequest}
 * over the {@code proxyToServer} connection (a {@link BackendConnection}: "connection" here always means a TCP
 * connection, that one or the client's), and the {@code serverToProxyResponse} comes back to the client as the
 * {@code proxyToClientResponse}, chunk by chunk, with backpressure both ways (client body reads pause while the
 * proxy-to-server connection is not writable; backend reads pause while the client connection is not writable).
 * Everything runs on the client's event loop, which the proxy-to-server connection shares.
 *
 * <p>Where it is lives in one {@link Phase}; every way it can end goes through {@link #finish}, which tears down
 * exactly once (the connection back to its pool or closed, the forwarder's count, the early tunnel bytes) and reports
 * the {@link ForwardOutcome} to the sender's {@link OutcomeListener}. Settled outcomes have answered the client (502.3
 * before the head, a cut connection after it: a truncated response must not look complete); a request that got nothing
 * from the backend ({@link ForwardOutcome.NotSent}, {@link ForwardOutcome.Unanswered}) is left for the sender to decide
 * on.
 *
 * <p>No request is ever retried, with one exception ANCM does not have (ANCM relies on WinHTTP, which does the same for
 * its own pooled connections): a request without a body, of an idempotent method (RFC 9110 §9.2.2), whose pooled
 * connection turns out to have been closed by the backend before any response byte arrived, is sent once more on a new
 * connection. That is the keep-alive race every pooling client has; a bodyless POST is never retried, since the
 * backend may have acted on it.
 *
 * <p>Per request it costs as few writes and system calls as the protocol allows: a request without a body goes to the
 * backend as one buffer, one {@code write(2)} (usually encoded straight into it,
 * {@link ProxyRequestHead#encodeBodyless}); a response head is held until the
 * body's first piece, so that a small response read in one go reaches the client as one message too
 * ({@link ProxyResponseHead#canJoin}), and otherwise goes out at the end of the read burst; each leg is flushed once
 * per read burst. The requestTimeout watch belongs to the proxy-to-server connection ({@link BackendConnection}), not
 * to the request, so nothing is scheduled or cancelled per request.
 */
// Netty's channel operations are fire-and-forget here: writes go with the void promise, whose failures reach the
// pipeline (exceptionCaught, then close), and nobody could act on a failed close.
@SuppressWarnings("FutureReturnValueIgnored")
final class ProxyExchange {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);
    /** How long the 101 may take to reach the client before the backend side of the tunnel is given up. */
    private static final long UPGRADE_JOIN_LIMIT_SECONDS = 30;

    /** Where a forwarded request is; it only moves forwards, except that the one retry goes back to CONNECTING. */
    enum Phase {
        /** Waiting for a proxy-to-server connection (pooled or new): nothing of the request reached the backend. */
        CONNECTING,
        /** The proxyToServerRequest went (or is going) out; no byte of the serverToProxyResponse yet. */
        AWAITING_RESPONSE,
        /** An interim (1xx) response came and was swallowed (the front answered {@code Expect} itself). */
        INTERIM,
        /** The final response head came: the response is being relayed to the client. */
        RESPONDING,
        /** The backend switched protocols (101): waiting for the 101 to reach the client. */
        TUNNEL_JOINING,
        /** Bytes flow both ways through two {@link TunnelRelay}s. */
        TUNNELLING,
        /** Ended, whichever way ({@link #finish} ran). */
        FINISHED
    }

    private final Forwarder forwarder;
    private final BackendPool pool;
    /** The client leg: the clientToProxyRequest and the proxyToClientResponse. */
    private final Exchange client;
    /** The head to send through the encoder; null while it is to be encoded straight into a buffer. */
    private HttpRequest proxyToServerRequest;
    /** The client's {@code ip:port} for {@code X-Forwarded-For}. */
    private final String clientAddress;
    private final boolean hasBody;
    private final boolean webSocket;
    private final long timeoutNanos;
    /** Hears the outcome, with {@link #attachment}: the sender's, not one made per request. */
    private final OutcomeListener<Object> listener;
    private final Object attachment;

    /** Its place among its pool's exchanges in flight: {@link BackendPool}'s, on the same loop. */
    boolean activeHere;
    ProxyExchange activePrev;
    ProxyExchange activeNext;

    private Phase phase = Phase.CONNECTING;
    /** The proxy-to-server connection: null while connecting and once finished. */
    private BackendConnection proxyToServer;
    /** A final proxyToClientResponse head held back until its body's first piece, so a small response goes as one. */
    private HttpResponse pendingHead;
    private boolean reusedConnection;
    private boolean retried;
    /** The whole proxyToServerRequest (head, body, trailers) has been written. */
    private boolean proxyToServerRequestComplete;
    private boolean serverKeepAlive = true;
    private boolean needsFlush;
    /** serverToProxyResponse reads are paused: the client connection is not writable. */
    private boolean serverToProxyPaused;
    /** clientToProxyRequest body reads are paused: the proxy-to-server connection is not writable. */
    private boolean clientToProxyPaused;
    private long lastActivity;
    /** Bounds the wait for the 101 to reach the client (the requestTimeout watch is the connection's). */
    private ScheduledFuture<?> joinTimer;
    /** Bytes the backend sent after its 101, before the client side of the tunnel was joined. */
    private List<Object> earlyTunnelBytes;

    @SuppressWarnings("unchecked") // the listener only ever gets the attachment it came with, an A
    <A> ProxyExchange(Forwarder forwarder, BackendPool pool, Exchange client, OutcomeListener<? super A> listener,
            A attachment) {
        this.forwarder = forwarder;
        this.listener = (OutcomeListener<Object>) listener;
        this.attachment = attachment;
        this.pool = pool;
        this.client = client;
        HttpRequest clientToProxyRequest = client.request();
        this.webSocket = forwarder.options().webSocketsEnabled()
                && ProxyRequestHead.isWebSocketUpgrade(clientToProxyRequest);
        this.hasBody = ProxyRequestHead.hasBody(clientToProxyRequest);
        this.clientAddress = pool.clientAddress(client.remoteAddress());
        ForwardedHeaders forwarded = forwarder.options().forwardedHeaders();
        // The usual request (no body, no upgrade, ANCM's headers) is encoded once connected, straight into a buffer.
        this.proxyToServerRequest = ProxyRequestHead.encodable(client, webSocket, !hasBody, forwarded) ? null
                : ProxyRequestHead.build(client, forwarder.target().token(), webSocket, clientAddress, !hasBody,
                        forwarded);
        this.timeoutNanos = forwarder.options().requestTimeout().toNanos();
        if (!webSocket && clientToProxyRequest.headers().contains(HttpHeaderNames.UPGRADE)) {
            // An upgrade that is not forwarded (h2c, or WebSockets off) makes this an ordinary request; the front
            // server holds back reading while an upgrade is pending, which would stall a body (curl's POST with
            // Upgrade: h2c), so the request stops looking like one.
            clientToProxyRequest.headers().remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** Starts the forward; the listener hears, on the event loop, when it has ended ({@link #finish}). */
    void start() {
        client.onAbort(this::clientGone);
        if (phase == Phase.FINISHED) {
            return; // the client was gone already
        }
        client.onWritabilityChanged(this::clientWritabilityChanged);
        pool.acquire(this);
    }

    // ---- the proxy-to-server connection ----------------------------------------------------------------------------

    void connected(BackendConnection connection, boolean reused) {
        if (phase != Phase.CONNECTING) {
            connection.channel().close();
            return;
        }
        phase = Phase.AWAITING_RESPONSE;
        proxyToServer = connection;
        reusedConnection = reused;
        connection.attach(this);
        lastActivity = System.nanoTime();
        if (timeoutNanos > 0) {
            connection.watch(timeoutNanos);
        }
        if (proxyToServerRequest == null) {
            // Without a body: the whole request encoded into one buffer, one write(2); encoded anew for the one retry.
            ByteBuf head = ProxyRequestHead.encodeBodyless(connection.channel().alloc(), client,
                    forwarder.target().token(), clientAddress);
            if (head != null) {
                connection.send(head, client.request().method());
                proxyToServerRequestComplete = true;
                return;
            }
            proxyToServerRequest = ProxyRequestHead.build(client, forwarder.target().token(), false, clientAddress,
                    true, ForwardedHeaders.ANCM);
        }
        // Without a body: a whole request (FullHttpRequest, empty body), one message, one buffer, one write(2).
        connection.send(proxyToServerRequest);
        if (!hasBody) {
            proxyToServerRequestComplete = true;
            return;
        }
        client.receiveBody(this::clientToProxyContent); // never twice: only a bodyless request is retried
    }

    /** Nothing was sent: the sender decides (a process just killed refuses connects until its exit is seen). */
    void connectFailed(Throwable cause) {
        if (phase != Phase.CONNECTING) {
            return;
        }
        finish(new ForwardOutcome.NotSent(cause instanceof ConnectTimeoutException
                ? ForwardOutcome.Reason.CONNECT_TIMED_OUT : ForwardOutcome.Reason.CONNECT_REFUSED, cause), false);
    }

    // ---- clientToProxyRequest body -> proxyToServerRequest ---------------------------------------------------------

    private void clientToProxyContent(HttpContent content) {
        BackendConnection connection = proxyToServer;
        if (connection == null || phase == Phase.TUNNEL_JOINING || phase == Phase.TUNNELLING) {
            content.release();
            return;
        }
        lastActivity = System.nanoTime();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            ProxyRequestHead.sanitizeTrailers(((LastHttpContent) content).trailingHeaders());
        }
        Channel ch = connection.channel();
        ch.writeAndFlush(content, ch.voidPromise());
        if (last) {
            proxyToServerRequestComplete = true;
        } else if (!ch.isWritable() && !clientToProxyPaused) {
            clientToProxyPaused = true;
            client.pauseBody();
        }
    }

    void serverWritabilityChanged() {
        BackendConnection connection = proxyToServer;
        if (clientToProxyPaused && connection != null && connection.channel().isWritable()) {
            clientToProxyPaused = false;
            client.resumeBody();
        }
    }

    // ---- serverToProxyResponse -> proxyToClientResponse ------------------------------------------------------------

    void serverToProxy(Object msg) {
        switch (phase) {
            case FINISHED, CONNECTING -> {
                ReferenceCountUtil.release(msg);
                return;
            }
            case TUNNEL_JOINING, TUNNELLING -> {
                if (msg instanceof ByteBuf bytes && earlyTunnelBytes != null) {
                    earlyTunnelBytes.add(bytes); // bytes after the 101, before the client side is joined
                } else {
                    ReferenceCountUtil.release(msg);
                }
                return;
            }
            default -> {
                // AWAITING_RESPONSE, INTERIM, RESPONDING: below
            }
        }
        lastActivity = System.nanoTime();
        if (msg instanceof HttpResponse response) {
            serverToProxyHead(response);
        } else if (msg instanceof HttpContent content) {
            serverToProxyContent(content);
        } else {
            ReferenceCountUtil.release(msg);
            fail(ForwardingError.INVALID_RESPONSE, "unexpected bytes from the application", null);
        }
    }

    private void serverToProxyHead(HttpResponse serverToProxyResponse) {
        if (serverToProxyResponse.decoderResult().isFailure()) {
            Throwable cause = serverToProxyResponse.decoderResult().cause();
            ReferenceCountUtil.release(serverToProxyResponse);
            fail(ForwardingError.INVALID_RESPONSE, "the application's response head is malformed", cause);
            return;
        }
        int code = serverToProxyResponse.status().code();
        if (code == 101) {
            if (webSocket) {
                startTunnel(serverToProxyResponse);
            } else {
                ReferenceCountUtil.release(serverToProxyResponse);
                fail(ForwardingError.INVALID_RESPONSE, "the application switched protocols without being asked", null);
            }
            return;
        }
        if (code < 200) {
            phase = Phase.INTERIM; // 100 Continue and friends: the front server already answered Expect
            ReferenceCountUtil.release(serverToProxyResponse);
            return;
        }
        if (phase == Phase.RESPONDING) {
            ReferenceCountUtil.release(serverToProxyResponse);
            fail(ForwardingError.INVALID_RESPONSE, "a second response head from the application", null);
            return;
        }
        phase = Phase.RESPONDING;
        serverKeepAlive = HttpUtil.isKeepAlive(serverToProxyResponse); // (no CONNECT gets here: the front refuses it)
        needsFlush = true;
        // Held until the body's first piece (or the end of this read burst): when that piece is the whole body, head
        // and body go to the client as one message, encoded into one buffer and written with one system call.
        pendingHead = ProxyResponseHead.build(serverToProxyResponse,
                forwarder.options().forwardResponseConnectionHeader());
    }

    /** Writes the held proxyToClientResponse head, if any, on its own. */
    private void writePendingHead() {
        HttpResponse head = pendingHead;
        if (head != null) {
            pendingHead = null;
            client.writeHead(head);
        }
    }

    private void serverToProxyContent(HttpContent content) {
        if (phase != Phase.RESPONDING) {
            content.release(); // the end of an interim response; the final head is still to come
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            fail(ForwardingError.INVALID_RESPONSE, "the application's response body is malformed", cause);
            return;
        }
        if (content instanceof LastHttpContent last) {
            // The backend has answered: it stops counting as outstanding there (and its connection is back in the
            // pool) before the client can see the end and send its next request, so least-outstanding balancing
            // never sees it still busy.
            HttpResponse head = pendingHead;
            pendingHead = null;
            finish(ForwardOutcome.RELAYED, serverKeepAlive && proxyToServerRequestComplete);
            if (head != null && ProxyResponseHead.canJoin(head, last)) {
                client.writeHead(ProxyResponseHead.join(head, last));
            } else {
                if (head != null) {
                    client.writeHead(head);
                }
                client.writeContent(last, true);
            }
            return;
        }
        writePendingHead();
        client.writeContent(content, false);
        needsFlush = true;
        if (!client.isWritable() && !serverToProxyPaused) {
            serverToProxyPaused = true;
            proxyToServer.channel().config().setAutoRead(false);
        }
    }

    /** End of one read burst from the backend: what it sent goes to the client now (SSE, long polling). */
    void serverReadComplete() {
        if (needsFlush && phase == Phase.RESPONDING) {
            needsFlush = false;
            writePendingHead(); // a head whose body has not come yet (a stream, a slow backend) goes out now
            client.flush();
        }
    }

    private void clientWritabilityChanged() {
        BackendConnection connection = proxyToServer;
        if (serverToProxyPaused && connection != null && client.isWritable()) {
            serverToProxyPaused = false;
            lastActivity = System.nanoTime();
            connection.channel().config().setAutoRead(true);
        }
    }

    // ---- WebSocket tunnel (§1.6) -----------------------------------------------------------------------------------

    private void startTunnel(HttpResponse serverToProxyResponse) {
        phase = Phase.TUNNEL_JOINING;
        earlyTunnelBytes = new ArrayList<>(2);
        proxyToServer.channel().config().setAutoRead(false);
        // Exchange.upgrade calls back only once the 101 is written; if the client is gone by then, it never does.
        // A bounded wait keeps the backend side (and the forwarder's count) from waiting for ever.
        joinTimer = pool.loop().schedule(this::tunnelNotJoined, UPGRADE_JOIN_LIMIT_SECONDS, TimeUnit.SECONDS);
        client.upgrade(ProxyResponseHead.switchingProtocols(serverToProxyResponse), this::joinTunnel);
    }

    private void tunnelNotJoined() {
        joinTimer = null;
        if (phase == Phase.TUNNEL_JOINING) {
            finish(ForwardOutcome.CLIENT_GONE, false);
        }
    }

    private void joinTunnel(Channel clientChannel) {
        BackendConnection connection = proxyToServer;
        if (phase != Phase.TUNNEL_JOINING || connection == null || !connection.channel().isActive()) {
            clientChannel.close(); // the backend left (or the forwarder closed) before the client side was joined
            finish(ForwardOutcome.RELAYED, false);
            return;
        }
        phase = Phase.TUNNELLING;
        cancelJoinTimer();
        Channel serverChannel = connection.channel();
        clientChannel.pipeline().addLast(TunnelRelay.NAME, new TunnelRelay(serverChannel));
        for (Object bytes : earlyTunnelBytes) {
            clientChannel.write(bytes, clientChannel.voidPromise());
        }
        earlyTunnelBytes = null;
        connection.detach();
        serverChannel.pipeline().replace(BackendConnection.NAME, TunnelRelay.NAME, new TunnelRelay(clientChannel));
        serverChannel.pipeline().remove(BackendPool.ENCODER);
        serverChannel.pipeline().remove(BackendPool.CODEC); // bytes the decoder still held go through the relay
        clientChannel.flush();
        serverChannel.closeFuture().addListener(f -> tunnelEnded());
        serverChannel.config().setAutoRead(true);
        if (!clientChannel.isActive()) {
            serverChannel.close(); // the client left before its relay was in place, so the relay never hears of it
        }
    }

    private void tunnelEnded() {
        if (phase == Phase.TUNNELLING) {
            finish(ForwardOutcome.RELAYED, false);
        }
    }

    // ---- endings ---------------------------------------------------------------------------------------------------

    /** The proxy-to-server connection closed or failed (cause null: closed). */
    void serverClosed(Throwable cause) {
        switch (phase) {
            case FINISHED, CONNECTING, TUNNELLING -> {
                return; // (not attached then)
            }
            case TUNNEL_JOINING -> {
                proxyToServer.channel().close();
                return; // joinTunnel (or, if the 101 never reaches the client, the timer) ends the exchange
            }
            default -> {
                // AWAITING_RESPONSE, INTERIM, RESPONDING: below
            }
        }
        boolean responseStarted = phase != Phase.AWAITING_RESPONSE;
        if (!responseStarted && reusedConnection && !hasBody && !retried && isIdempotent()) {
            retried = true;
            LOG.debug("Pooled connection to {} was closed by the application; retrying {} {} once on a new one",
                    forwarder.backendName(), client.request().method(), client.request().uri());
            BackendConnection stale = proxyToServer;
            proxyToServer = null;
            stale.detach();
            stale.channel().close();
            proxyToServerRequestComplete = false;
            phase = Phase.CONNECTING;
            pool.connect(this);
            return;
        }
        boolean invalid = cause instanceof DecoderException || cause instanceof TooLongFrameException;
        ForwardingError error = invalid ? ForwardingError.INVALID_RESPONSE : ForwardingError.CONNECTION_ERROR;
        if (!responseStarted) {
            finish(new ForwardOutcome.Unanswered(error, "the application closed the connection without a response",
                    cause), false);
            return;
        }
        fail(error, "the application closed the connection before the response was complete", cause);
    }

    private boolean isIdempotent() {
        HttpMethod m = client.request().method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
    }

    /** The forward failed once the request was out: 502.3 if nothing was written to the client yet, else abort. */
    private void fail(ForwardingError error, String detail, Throwable cause) {
        if (phase == Phase.FINISHED) {
            return;
        }
        HttpResponse head = pendingHead; // the response had started: it is cut off below, not replaced by a 502
        finish(new ForwardOutcome.Failed(error, detail), false);
        if (!client.isDone() && head != null) {
            client.writeHead(head);
        }
        forwarder.badGateway(client, error, detail, cause);
    }

    private void clientGone() {
        finish(ForwardOutcome.CLIENT_GONE, false);
    }

    /** The forwarder is closing (its process exited, or it is closed for good): the request ends now. */
    void forwarderClosed() {
        switch (phase) {
            case FINISHED -> {
            }
            case TUNNELLING -> proxyToServer.channel().close(); // the relay closes the client side; tunnelEnded
            case TUNNEL_JOINING -> finish(new ForwardOutcome.Failed(ForwardingError.SHUTTING_DOWN,
                    "the application is stopping"), false);
            case CONNECTING -> finish(new ForwardOutcome.NotSent(ForwardOutcome.Reason.FORWARDER_CLOSED, null), false);
            case AWAITING_RESPONSE -> finish(new ForwardOutcome.Unanswered(ForwardingError.SHUTTING_DOWN,
                    "the application is stopping", null), false);
            case INTERIM, RESPONDING -> fail(ForwardingError.SHUTTING_DOWN, "the application is stopping", null);
        }
    }

    /**
     * The one teardown, whichever way the forward ended; runs once. The proxy-to-server connection goes back to its
     * pool when {@code reusable} (at a message boundary, kept alive), else it is closed; the forwarder stops counting
     * the request; the sender hears the outcome. What the client gets is the caller's (before or after).
     */
    private void finish(ForwardOutcome result, boolean reusable) {
        if (phase == Phase.FINISHED) {
            return;
        }
        phase = Phase.FINISHED;
        cancelJoinTimer();
        BackendConnection connection = proxyToServer;
        proxyToServer = null;
        if (connection != null) {
            connection.detach();
        }
        pool.release(this, connection, reusable);
        if (earlyTunnelBytes != null) {
            earlyTunnelBytes.forEach(ReferenceCountUtil::release);
            earlyTunnelBytes = null;
        }
        pendingHead = null;
        forwarder.exchangeEnded();
        Forwarder.tell(listener, client, result, attachment);
    }

    private void cancelJoinTimer() {
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
    }

    // ---- requestTimeout (§1.5) -------------------------------------------------------------------------------------

    /**
     * The backend may stay silent for at most requestTimeout, before the first response byte and between bytes. Time
     * spent waiting on the client (its upload is slow, or it does not take the download) is not the backend's.
     */
    void timerFired() {
        if (phase != Phase.AWAITING_RESPONSE && phase != Phase.INTERIM && phase != Phase.RESPONDING) {
            return;
        }
        long now = System.nanoTime();
        boolean waitingOnClient = serverToProxyPaused
                || (hasBody && !proxyToServerRequestComplete && !clientToProxyPaused);
        if (waitingOnClient) {
            lastActivity = now;
        }
        long silent = now - lastActivity;
        if (silent < timeoutNanos) {
            BackendConnection connection = proxyToServer;
            if (connection != null) {
                connection.watch(timeoutNanos - silent);
            }
            return;
        }
        fail(ForwardingError.TIMEOUT, "the application sent nothing for "
                + forwarder.options().requestTimeout().toMillis() + " ms (requestTimeout)", null);
    }
}
