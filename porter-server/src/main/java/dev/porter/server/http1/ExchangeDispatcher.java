package dev.porter.server.http1;

import dev.porter.config.RequestLimits;
import dev.porter.server.AccessLog;
import dev.porter.server.ClientTls;
import dev.porter.server.Exchange;
import dev.porter.server.ExchangeChannel;
import dev.porter.server.Route;
import dev.porter.server.Router;
import dev.porter.server.admission.Admission;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import dev.porter.server.errors.ErrorPages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage of a client connection's pipeline: validates each request head (framing, version, target, Host),
 * routes it, applies the request limits, and hands an {@link Exchange} to the application's {@link RequestHandler}.
 * Requests are answered strictly one at a time per connection: pipelined requests wait here, and the connection stops
 * reading while they do, so responses go out in request order and a pipelined flood cannot grow memory.
 * Anything malformed is answered by the front server itself and the connection closed; it never reaches an app.
 * What differs between an HTTP/1.x connection and an HTTP/2 stream (how it ends, whether it carries more than one
 * exchange) is the subclass's: {@link Http1Connection}, {@link Http2StreamConnection}. State is confined to the
 * channel's event loop.
 */
public abstract class ExchangeDispatcher extends ChannelInboundHandlerAdapter implements ExchangeChannel {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeDispatcher.class);
    /** How long a lingering close reads and discards before it closes anyway. */
    protected static final long LINGER_MILLIS = 2_000;

    private final Admission admission;
    private final HeaderTimeoutHandler headerTimeout;
    private final AccessLog accessLog;
    private final ServerState state;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    /** Taken off the pipeline (upgraded, or the channel is gone): reading is not this handler's business any more. */
    private boolean removed;
    /** The connection's side of the exchange being served, or null between exchanges. */
    private Exchange.ConnectionSide current;
    /** Between a request head and its LastHttpContent: content that arrives belongs to that request. */
    private boolean inBody;
    /** True once this connection is known to close: nothing more is read or dispatched. */
    private boolean closing;
    /** After a response to a request whose input was not all read: reading and discarding until the close. */
    private boolean lingering;
    private StrictServerCodec codec;
    private final Optional<ClientTls> tls;
    private final FrontSecurity security;

    /**
     * @param tls the connection's TLS state, empty on plain http (held: {@link #tls()} allocates nothing)
     * @param security the access checks ({@link FrontSecurity#OPEN}: every request passes unchecked)
     */
    protected ExchangeDispatcher(Router router, RequestLimits serverLimits, HeaderTimeoutHandler headerTimeout,
            AccessLog accessLog, ServerState state, Optional<ClientTls> tls, FrontSecurity security) {
        this.tls = tls;
        this.security = security;
        this.admission = new Admission(router, serverLimits, state);
        this.state = state;
        this.headerTimeout = headerTimeout;
        this.accessLog = accessLog;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        headerTimeout.onBodyStalled(this::bodyStalled);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        removed = true;
    }

    /**
     * The client sent nothing of the request body for connectionTimeout. Not its fault while the handler holds the
     * reading back (paused, or no receiver yet): then the watch starts over.
     */
    private void bodyStalled() {
        Exchange.ConnectionSide side = current;
        if (side == null || side.exchange().isRequestComplete() || closing) {
            return;
        }
        Exchange exchange = side.exchange();
        if (side.wantsReadingPaused()) {
            headerTimeout.awaitBody();
            return;
        }
        LOG.debug("Request body from {} stalled; giving up on {} {}", ctx.channel().remoteAddress(),
                exchange.request().method(), exchange.request().uri());
        boolean headWritten = exchange.isHeadWritten();
        side.clientGone();
        if (!headWritten) {
            sendErrorAndClose(HttpResponseStatus.REQUEST_TIMEOUT,
                    "The client stopped sending the request body (webLimits connectionTimeout).");
        } else {
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void requestBodyComplete() {
        headerTimeout.bodyDone();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pipelined.isEmpty() || (msg instanceof HttpRequest && current != null)) {
            pipelined.add(msg);
            // Nothing more is decoded until this request's turn: the queue never grows past a head (and its empty
            // LastHttpContent), however many requests the client pipelines.
            StrictServerCodec strict = codec();
            if (strict != null) {
                strict.pauseDecoding();
            }
            updateReading();
            return;
        }
        process(msg);
    }

    /** One decoded message, in order: a request head starts an exchange, content belongs to the last head. */
    private void process(Object msg) {
        if (msg instanceof HttpRequest) {
            inBody = !(msg instanceof LastHttpContent);
            dispatch(msg);
            return;
        }
        if (!(msg instanceof HttpContent content) || !inBody) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (content instanceof LastHttpContent) {
            inBody = false;
        }
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            malformedBody(content.decoderResult());
            return;
        }
        if (current != null) {
            current.offerContent(content);
        } else {
            ReferenceCountUtil.release(content); // the body of a request that was already answered
        }
    }

    private void dispatch(Object msg) {
        HttpRequest request = (HttpRequest) msg;
        headerTimeout.headReceived();
        Admission.Decision decision = admission.admit(request, (InetSocketAddress) ctx.channel().localAddress());
        if (decision instanceof Admission.Rejected rejected) {
            reject(request, rejected.status(), rejected.detail());
            return;
        }
        if (!state.admitExchange()) {
            reject(request, HttpResponseStatus.SERVICE_UNAVAILABLE, "The server is shutting down.");
            return; // it began to drain since Admission looked
        }
        Admission.Admitted admitted = (Admission.Admitted) decision;
        Route route = admitted.route();
        Exchange.ConnectionSide side = Exchange.open(this, ctx.channel(), request, admitted.target(), route,
                admitted.limits().maxAllowedContentLength(), admitted.contentLength(), admitted.chunked(),
                admitted.expectContinue());
        Exchange exchange = side.exchange();
        current = side;
        if (!exchange.isRequestComplete()) {
            headerTimeout.awaitBody();
        }
        if (security.isOpen()) {
            invoke(route, exchange);
        } else {
            security.check(exchange, user -> {
                side.authenticated(user);
                invoke(route, exchange);
            });
        }
    }

    @Override
    public Optional<ClientTls> tls() {
        return tls;
    }


    private void invoke(Route route, Exchange exchange) {
        exchange.handleWith(route.handler());
    }

    @Override
    public void sendContinue() {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }

    @Override
    public boolean isDraining() {
        return state.isDraining();
    }

    private void malformedBody(DecoderResult result) {
        Exchange.ConnectionSide side = current;
        String why = Admission.why(result.cause());
        LOG.debug("Malformed request body from {}: {}", ctx.channel().remoteAddress(), why);
        boolean answer = side == null || !side.exchange().isHeadWritten();
        if (side != null) {
            side.clientGone();
        }
        if (answer) {
            sendErrorAndClose(HttpResponseStatus.BAD_REQUEST, "Malformed request body: " + why + ".");
        } else {
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void bodyTooLarge(Exchange exchange) {
        boolean headWritten = exchange.isHeadWritten();
        current.clientGone();
        if (!headWritten) {
            sendErrorAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than the limit (requestLimits maxAllowedContentLength).");
        } else {
            closing = true;
            ctx.close(); // the response has started: there is no way left to say 413
        }
    }

    private void reject(HttpRequest request, HttpResponseStatus status, String detail) {
        LOG.debug("Rejected {} {} from {}: {} {}", request.method(), request.uri(), ctx.channel().remoteAddress(),
                status.code(), detail);
        accessLog.rejected(ctx.channel(), request, status.code());
        ReferenceCountUtil.release(request);
        sendErrorAndClose(status, detail);
    }

    /**
     * Answers with an error page and closes: after a refused head the rest of the connection's bytes cannot be
     * trusted to be framed the way the client meant (and a refused body is not read).
     */
    private void sendErrorAndClose(HttpResponseStatus status, String detail) {
        closing = true;
        releasePipelined();
        closeAfter(ctx.writeAndFlush(ErrorPages.response(status, detail, true)), true);
    }

    /** Nothing more is read or dispatched on this connection: it closes once {@code lastWrite} is done. */
    protected final void closeAfter(ChannelFuture lastWrite, boolean unreadInput) {
        closing = true;
        releasePipelined();
        closeWhenWritten(lastWrite, unreadInput);
    }

    /**
     * How this kind of connection ends after its last write; {@code unreadInput}: a body, or bytes after a refused
     * head, may still be on the way. Called once, on the event loop.
     */
    protected abstract void closeWhenWritten(ChannelFuture lastWrite, boolean unreadInput);

    protected final ChannelHandlerContext context() {
        return ctx;
    }

    /** After the response, reading and discarding what the client still sends until the connection closes. */
    protected final void startLingering() {
        lingering = true;
        updateReading();
    }

    @Override
    public void completed(Exchange exchange, ChannelFuture lastWrite, boolean reuse, boolean unreadInput) {
        if (current == null || exchange != current.exchange()) {
            return;
        }
        current = null;
        headerTimeout.bodyDone();
        state.exchangeEnded();
        accessLog.completed(ctx.channel(), exchange);
        if (!reuse || state.isDraining() || isHttp2()) {
            // (an HTTP/2 stream carries one exchange: closing it is a no-op once both sides ended it, else a reset)
            closeAfter(lastWrite, unreadInput);
            return;
        }
        StrictServerCodec codec = codec();
        codec.upgradeAnswered();
        headerTimeout.awaitNextHead(codec.headPending());
        if (!pipelined.isEmpty()) {
            // Not from inside the finishing handler's call: the next request starts on a fresh stack.
            ctx.executor().execute(this::dispatchPipelined);
        }
        updateReading();
    }

    /** Whoever abandoned the exchange closes the connection (or already has). */
    @Override
    public void aborted(Exchange exchange) {
        endConnectionExchange(exchange);
    }

    /** The last exchange this connection will carry as HTTP: nothing more is dispatched on it. */
    private void endConnectionExchange(Exchange exchange) {
        if (current == null || exchange != current.exchange()) {
            return;
        }
        current = null;
        headerTimeout.bodyDone();
        closing = true;
        releasePipelined();
        state.exchangeEnded();
        accessLog.completed(ctx.channel(), exchange);
    }

    private StrictServerCodec codec() {
        StrictServerCodec c = codec;
        if (c == null) {
            c = ctx.pipeline().get(StrictServerCodec.class);
            codec = c;
        }
        return c;
    }

    private void dispatchPipelined() {
        while (!closing && !pipelined.isEmpty()) {
            if (pipelined.peek() instanceof HttpRequest && current != null) {
                break;
            }
            process(pipelined.poll());
        }
        if (!closing && pipelined.isEmpty() && codec() != null) {
            codec().resumeDecoding(); // the dispatched request's body, or the next request
        }
        updateReading();
    }

    /** The connection is not ours to close any more. */
    @Override
    public void upgraded(Exchange exchange) {
        endConnectionExchange(exchange);
    }

    /**
     * Takes the HTTP stages off the pipeline, lets the new owner install its handlers, then passes on the bytes the
     * client sent after the upgrade request, which the codec held undecoded.
     */
    @Override
    public void switchProtocols(Consumer<Channel> onUpgraded) {
        ChannelPipeline p = ctx.pipeline();
        Channel channel = ctx.channel();
        StrictServerCodec codec = codec();
        ByteBuf early = codec == null ? null : codec.takeUndecoded();
        if (p.context(headerTimeout) != null) {
            p.remove(headerTimeout);
        }
        if (codec != null) {
            p.remove(codec);
        }
        p.remove(this);
        channel.config().setAutoRead(true);
        try {
            onUpgraded.accept(channel);
        } catch (RuntimeException e) {
            LOG.warn("The new owner of upgraded connection {} failed", channel.remoteAddress(), e);
            if (early != null) {
                early.release();
            }
            channel.close();
            return;
        }
        if (early != null) {
            p.fireChannelRead(early);
            p.fireChannelReadComplete();
        }
    }

    @Override
    public void readInterestChanged() {
        updateReading();
    }

    /** Reads from the client only when someone is waiting for what comes next. */
    private void updateReading() {
        if (removed) {
            return; // upgraded: the new owner decides (a flag, not a walk along the pipeline per request)
        }
        boolean paused = !lingering
                && (closing || !pipelined.isEmpty() || (current != null && current.wantsReadingPaused()));
        if (ctx.channel().config().isAutoRead() == paused) {
            ctx.channel().config().setAutoRead(!paused);
            if (!paused && current != null && !current.exchange().isRequestComplete()) {
                headerTimeout.awaitBody(); // the client could not send while we did not read: its clock restarts
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) throws Exception {
        if (current != null) {
            current.writabilityChanged();
        }
        super.channelWritabilityChanged(context);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        headerTimeout.headReceived(); // disarm
        closing = true;
        releasePipelined();
        if (current != null) {
            current.clientGone();
        }
        super.channelInactive(context);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // Resets and broken pipes are a client's right; anything else is worth a line.
        if (!(cause instanceof java.io.IOException)) {
            LOG.warn("Closing client connection {} after an error", context.channel().remoteAddress(), cause);
        }
        closing = true;
        context.close();
    }

    private void releasePipelined() {
        Object msg;
        while ((msg = pipelined.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
