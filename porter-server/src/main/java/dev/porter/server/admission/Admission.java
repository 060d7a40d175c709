package dev.porter.server.admission;

import dev.porter.config.RequestLimits;
import dev.porter.server.RequestTarget;
import dev.porter.server.Route;
import dev.porter.server.Router;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Optional;

/**
 * The admission step of a request head, between the decoder and the application: the head rules Netty lets through
 * (framing that could be read two ways, RFC 9112 sections 6.1 and 6.3; Host, section 3.2), the draining server, the
 * version, the request target, routing, the request limits (the server's narrowed by the application's, as IIS's
 * requestFiltering does) and {@code Expect} (RFC 9110 section 10.1.1). The answer is {@link Admitted} (where the
 * request goes and how its body is framed) or {@link Rejected} (the status and a sentence naming what was wrong);
 * what follows (the exchange, the error page, the close) is the connection's. It writes nothing and keeps no state of
 * a request, so a table of heads tests it without a channel ({@code AdmissionTest}). Its one change to the head is
 * taking {@code Expect: 100-continue} off it: the front owns the interim response. The authentication gate
 * ({@link FrontSecurity}) follows it, on the exchange.
 *
 * <p>One instance per connection (or HTTP/2 stream), used on its event loop: it remembers the last application limits
 * it narrowed, which apps rarely change.
 */
public final class Admission {

    /** The refusal of a head that carries both framings (the codec's failure, the admission's words). */
    public static final String CONTENT_LENGTH_WITH_CHUNKED =
            "Content-Length and Transfer-Encoding are both present (RFC 9112 section 6.1)";

    /** Where an admitted request goes, and what its head says of its body. */
    public record Admitted(RequestTarget target, Route route, RequestLimits limits, long contentLength, boolean chunked,
            boolean expectContinue) implements Decision {
    }

    /** A refused head: the status and why, in words that name the limit or rule. */
    public record Rejected(HttpResponseStatus status, String detail) implements Decision {
    }

    public sealed interface Decision permits Admitted, Rejected {
    }

    private final Router router;
    private final RequestLimits serverLimits;
    private final ServerState state;
    private RequestLimits lastAppLimits;
    private RequestLimits lastNarrowed;

    public Admission(Router router, RequestLimits serverLimits, ServerState state) {
        this.router = router;
        this.serverLimits = serverLimits;
        this.state = state;
    }

    /** Decides on {@code request}, which arrived on a connection to {@code local}. */
    public Decision admit(HttpRequest request, InetSocketAddress local) {
        if (request.decoderResult().isFailure()) {
            return malformed(request.decoderResult());
        }
        if (state.isDraining()) {
            return new Rejected(HttpResponseStatus.SERVICE_UNAVAILABLE, "The server is shutting down.");
        }
        HttpVersion version = request.protocolVersion();
        if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
            return new Rejected(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "Only HTTP/1.1 and HTTP/1.0 are served on this connection; the request says "
                            + version.text() + ".");
        }
        // The framing and Host fields, looked up once for the checks, the routing and the framing decision.
        HttpHeaders headers = request.headers();
        String transferEncoding = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        String contentLengthValue = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        String host = headers.get(HttpHeaderNames.HOST);
        String problem = headProblem(request, transferEncoding, contentLengthValue, host);
        if (problem != null) {
            return new Rejected(HttpResponseStatus.BAD_REQUEST, problem);
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(request.uri());
        } catch (RequestTarget.InvalidTargetException e) {
            return new Rejected(HttpResponseStatus.BAD_REQUEST, "Invalid request target: " + e.getMessage() + ".");
        }
        Optional<Route> routed = router.route(local, host, target.cookedPath());
        if (routed.isEmpty()) {
            return new Rejected(HttpResponseStatus.NOT_FOUND,
                    "No site or application is configured for this host and path.");
        }
        Route route = routed.get();
        RequestLimits limits = limitsFor(route.handler().requestLimits());
        if (target.urlLength() > limits.maxUrl()) {
            return new Rejected(HttpResponseStatus.REQUEST_URI_TOO_LONG, "The URL path is " + target.urlLength()
                    + " characters long; the limit (requestLimits maxUrl) is " + limits.maxUrl() + ".");
        }
        if (target.queryLength() > limits.maxQueryString()) {
            return new Rejected(HttpResponseStatus.REQUEST_URI_TOO_LONG, "The query string is "
                    + target.queryLength() + " characters long; the limit (requestLimits maxQueryString) is "
                    + limits.maxQueryString() + ".");
        }
        // Netty has validated the value (one decimal number) when it is present.
        long contentLength = contentLengthValue == null ? -1L : Long.parseLong(contentLengthValue.trim());
        boolean chunked = transferEncoding != null;
        if (contentLength > limits.maxAllowedContentLength()) {
            return new Rejected(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is " + contentLength
                    + " bytes; the limit (requestLimits maxAllowedContentLength) is "
                    + limits.maxAllowedContentLength() + ".");
        }
        boolean expectContinue = false;
        String expect = headers.get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
                return new Rejected(HttpResponseStatus.EXPECTATION_FAILED,
                        "Only 'Expect: 100-continue' is understood; got 'Expect: " + expect + "'.");
            }
            // The front server owns the interim response; the application never sees the expectation. An HTTP/1.0
            // client cannot be sent a 100 (RFC 9110 section 10.1.1).
            headers.remove(HttpHeaderNames.EXPECT);
            expectContinue = version.equals(HttpVersion.HTTP_1_1);
        }
        return new Admitted(target, route, limits, contentLength, chunked, expectContinue);
    }

    /** The server's limits narrowed by the application's; the last pair is remembered, apps rarely change them. */
    private RequestLimits limitsFor(Optional<RequestLimits> own) {
        if (own.isEmpty()) {
            return serverLimits;
        }
        RequestLimits appLimits = own.get();
        @SuppressWarnings("ReferenceEquality") // a cache keyed by the snapshot's identity: a new snapshot, a new pair
        boolean changed = appLimits != lastAppLimits;
        if (changed) {
            lastAppLimits = appLimits;
            lastNarrowed = serverLimits.narrowedBy(appLimits);
        }
        return lastNarrowed;
    }

    /** A head the decoder could not read: 414, 431 or 400, naming the limit or the decoder's complaint. */
    static Rejected malformed(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return new Rejected(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than the server accepts (webLimits maxRequestBytes).");
        } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new Rejected(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than the server accepts (webLimits maxRequestBytes): "
                            + why(cause) + ".");
        }
        return new Rejected(HttpResponseStatus.BAD_REQUEST, "Malformed request: " + why(cause) + ".");
    }

    public static String why(Throwable cause) {
        if (cause == null) {
            return "malformed request";
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * What is wrong with a decoded head that Netty lets through, or null: framing that could be read two ways
     * (RFC 9112 section 6.1, 6.3), and the Host rules of RFC 9112 section 3.2. Netty has already refused two
     * Content-Length values, a non-numeric one, and Content-Length with chunked (StrictServerCodec).
     */
    static String headProblem(HttpRequest request) {
        HttpHeaders h = request.headers();
        return headProblem(request, h.get(HttpHeaderNames.TRANSFER_ENCODING), h.get(HttpHeaderNames.CONTENT_LENGTH),
                h.get(HttpHeaderNames.HOST));
    }

    /** {@link #headProblem(HttpRequest)} given the head's first Transfer-Encoding, Content-Length and Host values. */
    private static String headProblem(HttpRequest request, String te, String cl, String host) {
        HttpHeaders h = request.headers();
        if (te != null) {
            if (!HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.trim())
                    || h.getAll(HttpHeaderNames.TRANSFER_ENCODING).size() != 1) {
                return "Transfer-Encoding must be exactly 'chunked'; got '"
                        + String.join(", ", h.getAll(HttpHeaderNames.TRANSFER_ENCODING)) + "'.";
            }
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return CONTENT_LENGTH_WITH_CHUNKED + ".";
            }
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "Transfer-Encoding is not defined for HTTP/1.0 requests.";
            }
        }
        if (cl != null && !isDecimal(cl.trim())) {
            return "Content-Length must be a decimal number of bytes; got '" + cl + "'.";
        }
        if (host == null) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                return "An HTTP/1.1 request must have a Host header.";
            }
        } else {
            if (moreThanOne(h, HttpHeaderNames.HOST)) {
                return "More than one Host header.";
            }
            if (!Router.isValidHost(host)) {
                return "The Host header is not a valid host[:port]; got '" + host + "'.";
            }
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            return "CONNECT is not served: Porter is not a forward proxy.";
        }
        return null;
    }

    /** Whether a field that is present appears more than once; without getAll's list of every value. */
    private static boolean moreThanOne(HttpHeaders h, CharSequence name) {
        Iterator<? extends CharSequence> values = h.valueCharSequenceIterator(name);
        values.next();
        return values.hasNext();
    }

    private static boolean isDecimal(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
