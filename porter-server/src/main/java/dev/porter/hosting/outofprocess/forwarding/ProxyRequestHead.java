package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.httpcontext.WirePath;
import dev.porter.server.AuthenticatedUser;
import dev.porter.server.ClientTls;
import dev.porter.server.Exchange;
import dev.porter.server.peer.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the proxyToServerRequest head from the clientToProxyRequest (spec/ancm-contract.md §1.4,
 * {@code FORWARDING_HANDLER::GetHeaders}): method unchanged, the cooked path re-escaped plus the raw query, HTTP/1.1,
 * {@code Host} preserved, every client header starting with {@code MS-ASPNETCORE} removed before the pairing token is
 * added, the client certificate ({@code MS-ASPNETCORE-CLIENTCERT}, Base64 DER) and the authenticated user
 * ({@code MS-ASPNETCORE-USER}, {@code MS-ASPNETCORE-AUTH-TYPE}: Porter's stand-in for ANCM's Windows token) added when
 * there are any, {@code X-Forwarded-For}/{@code X-Forwarded-Proto} appended (or, by the handler setting
 * {@code forwardedHeaders}, the standard set written afresh: {@link ForwardedHeaders}), hop-by-hop headers (RFC 9110 §7.6.1) not
 * forwarded except {@code Connection}/{@code Upgrade} of a WebSocket upgrade (§1.6), and the body framing redone:
 * {@code Content-Length} kept, a chunked body re-chunked. The client's head is not modified.
 */
final class ProxyRequestHead {

    static final AsciiString MS_ASPNETCORE_TOKEN = AsciiString.cached("MS-ASPNETCORE-TOKEN");
    static final AsciiString MS_ASPNETCORE_CLIENTCERT = AsciiString.cached("MS-ASPNETCORE-CLIENTCERT");
    /** Porter's stand-in for {@code MS-ASPNETCORE-WINAUTHTOKEN}: the user the front server authenticated. */
    static final AsciiString MS_ASPNETCORE_USER = AsciiString.cached("MS-ASPNETCORE-USER");
    static final AsciiString MS_ASPNETCORE_AUTH_TYPE = AsciiString.cached("MS-ASPNETCORE-AUTH-TYPE");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final String MS_PREFIX = "MS-ASPNETCORE";
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("Proxy-Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");
    private static final byte[] HTTP_1_1_CRLF = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int COLON_SPACE = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';
    /** The proxyToServerRequest's headers: built here from validated ones, so not validated again. */
    private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private ProxyRequestHead() {
    }

    /** Whether ANCM treats this request as a WebSocket upgrade: {@code Upgrade} exactly {@code websocket}. */
    static boolean isWebSocketUpgrade(HttpRequest clientToProxyRequest) {
        HttpHeaders headers = clientToProxyRequest.headers();
        if (!headers.contains(HttpHeaderNames.UPGRADE)) {
            return false; // the usual case, without getAll's list
        }
        List<String> upgrade = headers.getAll(HttpHeaderNames.UPGRADE);
        return upgrade.size() == 1 && upgrade.get(0).trim().equalsIgnoreCase("websocket");
    }

    static boolean hasBody(HttpRequest clientToProxyRequest) {
        return HttpUtil.isTransferEncodingChunked(clientToProxyRequest)
                || HttpUtil.getContentLength(clientToProxyRequest, 0L) > 0;
    }

    static HttpRequest build(Exchange exchange, String token, boolean webSocket) {
        return build(exchange, token, webSocket, clientAddress(exchange.remoteAddress()),
                !hasBody(exchange.request()));
    }

    /**
     * @param client the client's {@code ip:port} as {@link #clientAddress} writes it (callers may cache it)
     * @param bodyless the request has no body: the head comes back as a {@link FullHttpRequest} with an empty body,
     *     which the backend codec encodes and the socket writes in one piece
     */
    static HttpRequest build(Exchange exchange, String token, boolean webSocket, String client, boolean bodyless) {
        return build(exchange, token, webSocket, client, bodyless, ForwardedHeaders.ANCM);
    }

    /** As above, with the application's {@code forwardedHeaders} setting. */
    static HttpRequest build(Exchange exchange, String token, boolean webSocket, String client, boolean bodyless,
            ForwardedHeaders forwarded) {
        Optional<ClientTls> tls = exchange.tls();
        String certificate = tls.isEmpty() ? null : tls.get().clientCertificateBase64().orElse(null);
        HttpRequest head = build(exchange.request(), exchange.target().cookedPath(), exchange.target().rawQuery(),
                client, exchange.localAddress(), tls.isPresent(), certificate, exchange.user().orElse(null), token,
                webSocket, bodyless,
                forwarded, forwarded == ForwardedHeaders.ANCM ? null : exchange.applicationPath());
        ClientAddress.Client c = exchange.client();
        if (c.forwarded()) {
            // A trusted proxy named the client (<forwarding trustedProxies>): that client, not the proxy.
            forwarded.applyTrusted(head.headers(), c.forwardedFor(),
                    ForwardedHeaders.bareAddress(clientAddress(c.address())), c.scheme());
        }
        return head;
    }

    /** The rewriting with ANCM's forwarding headers (see the next method). */
    static HttpRequest build(HttpRequest clientToProxyRequest, String cookedPath, Optional<String> rawQuery,
            String client, InetSocketAddress local, boolean secure, String clientCertificateBase64,
            AuthenticatedUser user, String token, boolean webSocket, boolean bodyless) {
        return build(clientToProxyRequest, cookedPath, rawQuery, client, local, secure, clientCertificateBase64, user,
                token, webSocket, bodyless, ForwardedHeaders.ANCM, null);
    }

    /**
     * The rewriting itself, from plain values (what {@link Exchange} knows about the connection), so that it can be
     * measured and tested without a connection.
     *
     * @param cookedPath the decoded, normalised path the front server routed
     * @param rawQuery the query as the client sent it, without {@code ?}; empty when there was none
     * @param client the client's {@code ip:port} for {@code X-Forwarded-For}
     * @param local the address the client connected to (the {@code Host} of a request without one)
     * @param secure whether the client connection is TLS
     * @param clientCertificateBase64 the client's certificate (Base64 DER), or null
     * @param user who the front server authenticated, or null
     * @param bodyless whether to return a {@link FullHttpRequest} with an empty body (a request without one)
     * @param forwarded which forwarding headers to write (handler setting {@code forwardedHeaders})
     * @param applicationPath the application's virtual path, for {@code X-Forwarded-Prefix} (null: not needed)
     */
    static HttpRequest build(HttpRequest clientToProxyRequest, String cookedPath, Optional<String> rawQuery,
            String client, InetSocketAddress local, boolean secure, String clientCertificateBase64,
            AuthenticatedUser user, String token, boolean webSocket, boolean bodyless, ForwardedHeaders forwarded,
            String applicationPath) {
        HttpHeaders in = clientToProxyRequest.headers();
        HttpHeaders out = HEADERS.newHeaders();
        Set<String> connectionNamed = connectionOptions(in, webSocket);
        String forwardedFor = null;
        String forwardedProto = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            CharSequence name = h.getKey();
            switch (kind(name, webSocket, connectionNamed)) {
                case FORWARDED_FOR -> forwardedFor = ForwardedHeaders.appended(forwardedFor, h.getValue());
                case FORWARDED_PROTO -> forwardedProto = ForwardedHeaders.appended(forwardedProto, h.getValue());
                case COPIED, HOST -> out.add(name, h.getValue());
                default -> {
                }
            }
        }
        if (!out.contains(HttpHeaderNames.HOST)) {
            // Only an HTTP/1.0 client may omit Host; the backend gets HTTP/1.1, where Host is mandatory (RFC 9112
            // §3.2), so it gets the address the client connected to, which is what the client addressed.
            out.set(HttpHeaderNames.HOST, hostOf(local));
        }
        if (webSocket) {
            out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        // Framing is ours: a Content-Length the client sent is kept (copied above), a chunked body is re-chunked.
        if (HttpUtil.isTransferEncodingChunked(clientToProxyRequest)) {
            out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        out.set(MS_ASPNETCORE_TOKEN, token);
        if (clientCertificateBase64 != null) {
            out.set(MS_ASPNETCORE_CLIENTCERT, clientCertificateBase64);
        }
        if (user != null) {
            out.set(MS_ASPNETCORE_USER, user.name());
            out.set(MS_ASPNETCORE_AUTH_TYPE, user.authenticationType());
        }
        forwarded.apply(out, forwardedFor, forwardedProto, client, secure, applicationPath);
        String uri = WirePath.target(cookedPath, rawQuery);
        if (bodyless) {
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, clientToProxyRequest.method(), uri,
                    Unpooled.EMPTY_BUFFER, out, EmptyHttpHeaders.INSTANCE);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, clientToProxyRequest.method(), uri, out);
    }

    /** What becomes of one client field in the proxyToServerRequest. */
    private enum Kind { COPIED, DROPPED, FORWARDED_FOR, FORWARDED_PROTO, HOST }

    private static Kind kind(CharSequence name, boolean webSocket, Set<String> connectionNamed) {
        // Most fields are none of the special ones: their length alone says so, before any comparison.
        int length = name.length();
        if (length >= MS_PREFIX.length() && startsWithMsAspNetCore(name)) {
            return Kind.DROPPED; // anti-spoofing: nothing a client sends under this prefix reaches the app
        }
        if (length == X_FORWARDED_FOR.length() && AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_FOR)) {
            return Kind.FORWARDED_FOR;
        }
        if (length == X_FORWARDED_PROTO.length() && AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_PROTO)) {
            return Kind.FORWARDED_PROTO;
        }
        if (isHopByHop(name, webSocket)
                || (connectionNamed != null && connectionNamed.contains(name.toString().toLowerCase(Locale.ROOT)))) {
            return Kind.DROPPED;
        }
        return length == 4 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST) ? Kind.HOST
                : Kind.COPIED;
    }

    /**
     * Whether {@link #encodeBodyless} may stand in for {@link #build} (the usual request: no body, no upgrade, ANCM's
     * forwarding headers, no trusted proxy's fields to rewrite, an origin-form target the encoder writes as is).
     */
    static boolean encodable(Exchange exchange, boolean webSocket, boolean bodyless, ForwardedHeaders forwarded) {
        return bodyless && !webSocket && forwarded == ForwardedHeaders.ANCM && !exchange.client().forwarded();
    }

    /**
     * The bodyless proxyToServerRequest of {@link #build} (ANCM's forwarding headers, no WebSocket upgrade), encoded
     * straight into one buffer, byte for byte what Netty's request encoder makes of {@link #build}'s head: the same
     * fields in the same order, without the intermediate header table and encoder pass. Only when {@link #encodable};
     * null when the target is not origin-form ({@code /...}), which {@link #build} handles.
     */
    static ByteBuf encodeBodyless(ByteBufAllocator alloc, Exchange exchange, String token, String client) {
        HttpRequest clientToProxyRequest = exchange.request();
        Optional<ClientTls> tls = exchange.tls();
        String certificate = tls.isEmpty() ? null : tls.get().clientCertificateBase64().orElse(null);
        AuthenticatedUser user = exchange.user().orElse(null);
        String uri = WirePath.target(exchange.target().cookedPath(), exchange.target().rawQuery());
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            return null; // not origin-form: the encoder's own rules for it apply (build)
        }
        HttpHeaders in = clientToProxyRequest.headers();
        Set<String> connectionNamed = connectionOptions(in, false);
        ByteBuf buf = alloc.buffer(512);
        try {
            ByteBufUtil.writeAscii(buf, clientToProxyRequest.method().asciiName());
            buf.writeByte(' ');
            buf.writeCharSequence(uri, StandardCharsets.UTF_8); // as the encoder writes it
            buf.writeBytes(HTTP_1_1_CRLF);
            String forwardedFor = null;
            String forwardedProto = null;
            boolean host = false;
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> h = it.next();
                CharSequence name = h.getKey();
                switch (kind(name, false, connectionNamed)) {
                    case FORWARDED_FOR -> forwardedFor = ForwardedHeaders.appended(forwardedFor, h.getValue());
                    case FORWARDED_PROTO -> forwardedProto = ForwardedHeaders.appended(forwardedProto, h.getValue());
                    case HOST -> {
                        host = true;
                        field(buf, name, h.getValue());
                    }
                    case COPIED -> field(buf, name, h.getValue());
                    default -> {
                    }
                }
            }
            if (!host) {
                field(buf, HttpHeaderNames.HOST, hostOf(exchange.localAddress()));
            }
            field(buf, MS_ASPNETCORE_TOKEN, token);
            if (certificate != null) {
                field(buf, MS_ASPNETCORE_CLIENTCERT, certificate);
            }
            if (user != null) {
                field(buf, MS_ASPNETCORE_USER, user.name());
                field(buf, MS_ASPNETCORE_AUTH_TYPE, user.authenticationType());
            }
            String proto = tls.isPresent() ? "https" : "http";
            field(buf, X_FORWARDED_FOR, ForwardedHeaders.appended(forwardedFor, client));
            field(buf, X_FORWARDED_PROTO, ForwardedHeaders.appended(forwardedProto, proto));
            buf.writeShort(CRLF);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    private static void field(ByteBuf buf, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(buf, name);
        buf.writeShort(COLON_SPACE);
        ByteBufUtil.writeAscii(buf, value);
        buf.writeShort(CRLF);
    }

    /** {@code ip:port}, IPv6 in brackets and in its short form ({@code [::1]:54321}), as ANCM writes it. */
    static String clientAddress(InetSocketAddress remote) {
        if (remote == null || remote.getAddress() == null) {
            return "unknown";
        }
        String ip = NetUtil.toAddressString(remote.getAddress());
        int scope = ip.indexOf('%');
        if (scope >= 0) {
            ip = ip.substring(0, scope);
        }
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + remote.getPort();
    }

    private static String hostOf(InetSocketAddress local) {
        if (local == null || local.getAddress() == null) {
            return "localhost";
        }
        String ip = NetUtil.toAddressString(local.getAddress());
        int scope = ip.indexOf('%');
        if (scope >= 0) {
            ip = ip.substring(0, scope);
        }
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + local.getPort();
    }

    /**
     * Whether a field name starts with {@code MS-ASPNETCORE}, case-insensitive (ANCM's prefix match), with any other
     * separator ({@code _}, {@code .}, ...) counted as {@code -}: CGI-style servers (WSGI, PHP, Rack...) map
     * {@code MS_ASPNETCORE_TOKEN} and {@code MS-ASPNETCORE-TOKEN} to the same variable, and Apache's CGI maps every
     * character but a letter or digit to {@code _} ({@code MS.ASPNETCORE-TOKEN} too), so no such spelling gets
     * through either.
     */
    static boolean startsWithMsAspNetCore(CharSequence name) {
        int n = MS_PREFIX.length();
        if (name.length() < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if ((isSeparator(c) ? '-' : Character.toUpperCase(c)) != MS_PREFIX.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Any ASCII character but a letter or digit: CGI-style servers (Apache's among them) turn each into '_'. */
    private static boolean isSeparator(char c) {
        return c < 0x80 && !Character.isLetterOrDigit(c);
    }

    /**
     * Removes from the client's request trailers what must never reach the app that way: fields under the
     * {@code MS-ASPNETCORE} prefix (a backend that merges trailers into headers would otherwise see a forged token or
     * shutdown event) and the framing fields RFC 9110 §6.5.1 forbids in trailers.
     */
    static void sanitizeTrailers(HttpHeaders trailers) {
        if (trailers.isEmpty()) {
            return;
        }
        trailers.remove(HttpHeaderNames.CONTENT_LENGTH);
        trailers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        trailers.remove(HttpHeaderNames.HOST);
        List<String> forged = null;
        for (String name : trailers.names()) {
            if (startsWithMsAspNetCore(name)) {
                if (forged == null) {
                    forged = new java.util.ArrayList<>();
                }
                forged.add(name);
            }
        }
        if (forged != null) {
            forged.forEach(trailers::remove);
        }
    }

    private static boolean isHopByHop(CharSequence name, boolean webSocket) {
        switch (name.length()) {
            case 2, 7, 10, 16, 17 -> { } // TE; Trailer, Upgrade; Connection, Keep-Alive; Proxy-Connection; T-E
            default -> {
                return false;
            }
        }
        return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
                || AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE)
                || AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
                || (!webSocket && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE));
    }

    /**
     * Header names the client listed in {@code Connection} (RFC 9110 §7.6.1: they are for this hop only), lower case;
     * null when none. The framing and routing headers are never dropped this way.
     */
    private static Set<String> connectionOptions(HttpHeaders in, boolean webSocket) {
        if (!in.contains(HttpHeaderNames.CONNECTION)) {
            return null;
        }
        List<String> values = in.getAll(HttpHeaderNames.CONNECTION);
        if (values.isEmpty()) {
            return null;
        }
        Set<String> names = null;
        for (String value : values) {
            for (String token : value.split(",", -1)) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty() || name.equals("close") || name.equals("keep-alive") || name.equals("host")
                        || name.equals("content-length") || name.equals("x-forwarded-for")
                        || name.equals("x-forwarded-proto")
                        || (webSocket && name.equals("upgrade"))) {
                    continue;
                }
                if (names == null) {
                    names = new HashSet<>();
                }
                names.add(name);
            }
        }
        return names;
    }
}
