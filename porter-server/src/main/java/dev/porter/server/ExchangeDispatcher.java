package dev.porter.server;

import dev.porter.config.RequestLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage of a client connection's pipeline: validates each request head (framing, version, target, Host),
 * routes it, applies the request limits, and hands an {@link Exchange} to the application's {@link RequestHandler}.
 * Requests are answered strictly one at a time per connection: pipelined requests wait here, and the connection stops
 * reading while they do, so responses go out in request order and a pipelined flood cannot grow memory.
 * Anything malformed is answered by the front server itself and the connection closed; it never reaches an app.
 * State is confined to the channel's event loop.
 */
final class ExchangeDispatcher extends ChannelInboundHandlerAdapter {

    static final Logger LOG = LoggerFactory.getLogger(ExchangeDispatcher.class);

    private final Router router;
    private final RequestLimits serverLimits;
    private final HeaderTimeoutHandler headerTimeout;
    private final AccessLog accessLog;
    private final ServerState state;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange current;
    /** Between a request head and its LastHttpContent: content that arrives belongs to that request. */
    private boolean inBody;
    /** True once this connection is known to close: nothing more is read or dispatched. */
    private boolean closing;

    ExchangeDispatcher(Router router, RequestLimits serverLimits, HeaderTimeoutHandler headerTimeout,
            AccessLog accessLog, ServerState state) {
        this.router = router;
        this.state = state;
        this.serverLimits = serverLimits;
        this.headerTimeout = headerTimeout;
        this.accessLog = accessLog;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pipelined.isEmpty() || (msg instanceof HttpRequest && current != null)) {
            pipelined.add(msg);
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
        if (state.isDraining()) {
            reject(request, HttpResponseStatus.SERVICE_UNAVAILABLE, "The server is shutting down.");
            return;
        }
        if (request.decoderResult().isFailure()) {
            rejectMalformed(request, request.decoderResult());
            return;
        }
        String problem = headProblem(request);
        if (problem != null) {
            reject(request, HttpResponseStatus.BAD_REQUEST, problem);
            return;
        }
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            reject(request, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "Only HTTP/1.1 and HTTP/1.0 are served on this connection.");
            return;
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(request.uri());
        } catch (RequestTarget.InvalidTargetException e) {
            reject(request, HttpResponseStatus.BAD_REQUEST, "Invalid request target: " + e.getMessage() + ".");
            return;
        }
        Route route = router.route((InetSocketAddress) ctx.channel().localAddress(),
                request.headers().get(HttpHeaderNames.HOST), target.cookedPath());
        if (route == null) {
            reject(request, HttpResponseStatus.NOT_FOUND,
                    "No site or application is configured for this host and path.");
            return;
        }
        RequestLimits limits = serverLimits.narrowedBy(route.handler().requestLimits());
        if (target.urlLength() > limits.maxUrl()) {
            reject(request, HttpResponseStatus.REQUEST_URI_TOO_LONG, "The URL path is " + target.urlLength()
                    + " characters long; the limit (requestLimits maxUrl) is " + limits.maxUrl() + ".");
            return;
        }
        if (target.queryLength() > limits.maxQueryString()) {
            reject(request, HttpResponseStatus.REQUEST_URI_TOO_LONG, "The query string is " + target.queryLength()
                    + " characters long; the limit (requestLimits maxQueryString) is " + limits.maxQueryString()
                    + ".");
            return;
        }
        long contentLength = HttpUtil.getContentLength(request, -1L);
        if (contentLength > limits.maxAllowedContentLength()) {
            reject(request, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is " + contentLength
                    + " bytes; the limit (requestLimits maxAllowedContentLength) is "
                    + limits.maxAllowedContentLength() + ".");
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!expect.trim().equalsIgnoreCase("100-continue")) {
                reject(request, HttpResponseStatus.EXPECTATION_FAILED, "Only 'Expect: 100-continue' is understood.");
                return;
            }
            // The front server owns the interim response; the application never sees the expectation.
            request.headers().remove(HttpHeaderNames.EXPECT);
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                    && (HttpUtil.isTransferEncodingChunked(request) || contentLength > 0)) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER));
            }
        }
        Exchange exchange = new Exchange(this, ctx.channel(), request, target, route,
                limits.maxAllowedContentLength());
        current = exchange;
        state.exchangeStarted();
        try {
            route.handler().handle(exchange);
        } catch (RuntimeException e) {
            LOG.error("Request handler for application '{}' failed on {} {}", route.application().path(),
                    request.method(), request.uri(), e);
            if (!exchange.isHeadWritten()) {
                exchange.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, null, new byte[0]);
            } else {
                exchange.abort();
            }
        }
    }

    /**
     * What is wrong with a decoded head that Netty lets through, or null: framing that could be read two ways
     * (RFC 9112 §6.1, §6.3), and the Host rules of RFC 9112 §3.2.
     */
    static String headProblem(HttpRequest request) {
        HttpHeaders h = request.headers();
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (te.size() != 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
                return "Transfer-Encoding must be exactly 'chunked'; got '" + String.join(", ", te) + "'.";
            }
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return StrictServerCodec.CONTENT_LENGTH_WITH_CHUNKED + ".";
            }
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "Transfer-Encoding is not defined for HTTP/1.0 requests.";
            }
        }
        List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (cl.size() > 1) {
            return "More than one Content-Length header.";
        }
        if (cl.size() == 1 && !cl.get(0).trim().matches("[0-9]{1,18}")) {
            return "Content-Length must be a decimal number of bytes; got '" + cl.get(0) + "'.";
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "More than one Host header.";
        }
        if (hosts.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return "An HTTP/1.1 request must have a Host header.";
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            return "CONNECT is not served: Porter is not a forward proxy.";
        }
        return null;
    }

    private void rejectMalformed(HttpRequest request, DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            reject(request, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than the server accepts (webLimits maxRequestBytes).");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            reject(request, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than the server accepts (webLimits maxRequestBytes).");
        } else {
            String why = cause == null ? "malformed request" : cause.getMessage();
            reject(request, HttpResponseStatus.BAD_REQUEST, "Malformed request: " + why + ".");
        }
    }

    private void malformedBody(DecoderResult result) {
        Exchange exchange = current;
        String why = result.cause() == null ? "malformed body" : result.cause().getMessage();
        LOG.debug("Malformed request body from {}: {}", ctx.channel().remoteAddress(), why);
        if (exchange != null && !exchange.isHeadWritten()) {
            exchange.clientGone();
            sendErrorAndClose(HttpResponseStatus.BAD_REQUEST, "Malformed request body: " + why + ".");
        } else {
            if (exchange != null) {
                exchange.clientGone();
            }
            ctx.close();
        }
    }

    /** The body outgrew maxAllowedContentLength while streaming (chunked requests). */
    void bodyTooLarge(Exchange exchange) {
        boolean headWritten = exchange.isHeadWritten();
        exchange.clientGone();
        if (!headWritten) {
            sendErrorAndClose(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than the limit (requestLimits maxAllowedContentLength).");
        } else {
            ctx.close();
        }
    }

    private void reject(HttpRequest request, HttpResponseStatus status, String detail) {
        LOG.debug("Rejected {} {} from {}: {} {}", request.method(), request.uri(), ctx.channel().remoteAddress(),
                status.code(), detail);
        accessLog.rejected(ctx.channel(), request, status.code());
        sendErrorAndClose(status, detail);
    }

    /**
     * Answers with an error page and closes: after a refused head the rest of the connection's bytes cannot be
     * trusted to be framed the way the client meant (and a refused body is not read).
     */
    private void sendErrorAndClose(HttpResponseStatus status, String detail) {
        closing = true;
        releasePipelined();
        byte[] body = ErrorPages.simple(status, detail);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        ErrorPages.addHeaders(response, body.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** The exchange's response is complete (reuse: the connection stays open) or it was abandoned. */
    void exchangeEnded(Exchange exchange, boolean reuse) {
        if (exchange != current) {
            return;
        }
        current = null;
        state.exchangeEnded();
        accessLog.completed(ctx.channel(), exchange);
        if (!reuse || state.isDraining()) {
            if (reuse) {
                ctx.close(); // the response is flushed first: writes are ordered before the close
            }
            closing = true;
            releasePipelined();
            return;
        }
        headerTimeout.awaitNextHead();
        if (!pipelined.isEmpty()) {
            // Not from inside the finishing handler's call: the next request starts on a fresh stack.
            ctx.executor().execute(this::dispatchPipelined);
        }
        updateReading();
    }

    private void dispatchPipelined() {
        while (!closing && !pipelined.isEmpty()) {
            if (pipelined.peek() instanceof HttpRequest && current != null) {
                break;
            }
            process(pipelined.poll());
        }
        updateReading();
    }

    /** The exchange switched protocols: no more HTTP on this connection, and it is not ours to close. */
    void exchangeUpgraded(Exchange exchange) {
        if (exchange != current) {
            return;
        }
        current = null;
        closing = true;
        releasePipelined();
        state.exchangeEnded();
        accessLog.completed(ctx.channel(), exchange);
    }

    /**
     * Takes the HTTP stages off the pipeline after a 101 has been written. The codec passes on bytes it had
     * buffered but not decoded yet, so nothing the client sent after the upgrade is lost.
     */
    void removeHttp() {
        ChannelPipeline p = ctx.pipeline();
        if (p.get("header-timeout") != null) {
            p.remove("header-timeout");
        }
        p.remove(this);
        if (p.get("codec") != null) {
            p.remove("codec");
        }
    }

    /** Reads from the client only when someone is waiting for what comes next. */
    void updateReading() {
        if (ctx.pipeline().context(this) == null) {
            return; // upgraded: the new owner decides
        }
        boolean paused = closing || !pipelined.isEmpty() || (current != null && current.wantsReadingPaused());
        if (ctx.channel().config().isAutoRead() == paused) {
            ctx.channel().config().setAutoRead(!paused);
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
        context.close();
    }

    private void releasePipelined() {
        Object msg;
        while ((msg = pipelined.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
