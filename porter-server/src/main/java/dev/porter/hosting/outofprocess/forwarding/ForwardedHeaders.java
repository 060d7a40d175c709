package dev.porter.hosting.outofprocess.forwarding;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Which forwarding headers the proxyToServerRequest carries: the handler setting {@code forwardedHeaders} of the
 * application's web.config. {@link ProxyRequestHead} calls {@link #apply} once per request, after it has copied the
 * client's fields.
 *
 * <ul>
 * <li>{@link #ANCM} (the default): ANCM's exact format, for apps written for ANCM and for porter-integration:
 * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} <em>appended</em> to what the client sent, the client as
 * {@code ip:port}. Every other field passes as the client sent it.</li>
 * <li>{@link #STANDARD}: what reverse proxies (nginx, Traefik, HAProxy) send and what frameworks read without
 * Porter code (Spring's {@code server.forward-headers-strategy}, Tomcat's {@code RemoteIpValve}, Javalin, express's
 * {@code trust proxy}, Werkzeug's {@code ProxyFix}): {@code X-Forwarded-For} with the bare client address,
 * {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} (the {@code Host} the client sent), {@code X-Forwarded-Port}
 * (the port in that {@code Host}, else the scheme's default), and, for a sub-application, {@code X-Forwarded-Prefix}
 * (its virtual path; the request path still starts with it, as under ANCM). Client-sent values of these fields and of
 * {@code Forwarded} are <em>replaced</em>, never appended to: a client cannot choose the address the app sees.</li>
 * <li>{@link #RFC7239}: {@link #STANDARD} plus RFC 7239's {@code Forwarded: for=...;proto=...;host="..."}.</li>
 * </ul>
 *
 * <p>Trusted proxies ({@code <forwarding trustedProxies>}): when the peer is one and its fields named the client
 * ({@code ClientAddress}), {@link #applyTrusted} writes that client instead: ANCM's format keeps the received
 * {@code X-Forwarded-For} chain up to the client (so its right-most entry, the one porter-integration and ASP.NET
 * Core take, is the client), the standard ones name the client and its scheme.
 *
 * <p>Threading: stateless; called on event loops.
 */
public enum ForwardedHeaders {
    ANCM, STANDARD, RFC7239;

    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
    static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("X-Forwarded-Prefix");
    static final AsciiString FORWARDED = AsciiString.cached("Forwarded");
    /** The handler setting's name in web.config. */
    public static final String SETTING = "forwardedHeaders";

    /** The value of the handler setting; empty when it is none of {@code ancm}, {@code standard}, {@code rfc7239}. */
    public static Optional<ForwardedHeaders> parse(String setting) {
        return switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "ancm" -> Optional.of(ANCM);
            case "standard" -> Optional.of(STANDARD);
            case "rfc7239" -> Optional.of(RFC7239);
            default -> Optional.empty();
        };
    }

    /**
     * A list field's value with one more element: {@code value} alone when there is none yet ({@code list} null), else
     * {@code list, value} (how repeated X-Forwarded-* fields are joined, and how ANCM appends its own element).
     */
    static String appended(String list, CharSequence value) {
        return list == null ? value.toString() : list + ", " + value;
    }

    /**
     * Sets the forwarding fields of the proxyToServerRequest.
     *
     * @param out the proxyToServerRequest's headers: the client's fields already copied, {@code Host} set
     * @param clientForwardedFor what the client sent as {@code X-Forwarded-For} (joined), or null
     * @param clientForwardedProto what the client sent as {@code X-Forwarded-Proto} (joined), or null
     * @param client the client's {@code ip:port} as {@link ProxyRequestHead#clientAddress} writes it
     * @param secure whether the client connection is TLS
     * @param applicationPath the application's virtual path ({@code /} or {@code /app})
     */
    void apply(HttpHeaders out, String clientForwardedFor, String clientForwardedProto, String client,
            boolean secure, String applicationPath) {
        String proto = secure ? "https" : "http";
        if (this == ANCM) {
            out.set(ProxyRequestHead.X_FORWARDED_FOR, appended(clientForwardedFor, client));
            out.set(ProxyRequestHead.X_FORWARDED_PROTO, appended(clientForwardedProto, proto));
            return;
        }
        String address = bareAddress(client);
        String host = out.get(io.netty.handler.codec.http.HttpHeaderNames.HOST);
        out.set(ProxyRequestHead.X_FORWARDED_FOR, address);
        out.set(ProxyRequestHead.X_FORWARDED_PROTO, proto);
        out.set(X_FORWARDED_HOST, host);
        out.set(X_FORWARDED_PORT, Integer.toString(port(host, secure)));
        if (applicationPath == null || applicationPath.equals("/") || applicationPath.isEmpty()) {
            out.remove(X_FORWARDED_PREFIX);
        } else {
            out.set(X_FORWARDED_PREFIX, headerSafe(applicationPath));
        }
        if (this == RFC7239) {
            out.set(FORWARDED, "for=" + forNode(address) + ";proto=" + proto + ";host=\"" + quoted(host) + "\"");
        } else {
            out.remove(FORWARDED);
        }
    }

    /**
     * Rewrites the forwarding fields {@link #apply} wrote for a client that a trusted proxy's fields named.
     *
     * @param chain the received {@code X-Forwarded-For} entries up to and including the client's
     * @param address the client's bare address
     * @param scheme the client's scheme as the proxy said, or null: the connection's
     */
    void applyTrusted(HttpHeaders out, String chain, String address, String scheme) {
        if (this == ANCM) {
            out.set(ProxyRequestHead.X_FORWARDED_FOR, chain);
            if (scheme != null) {
                out.set(ProxyRequestHead.X_FORWARDED_PROTO, scheme);
            }
            return;
        }
        out.set(ProxyRequestHead.X_FORWARDED_FOR, address);
        if (scheme != null) {
            out.set(ProxyRequestHead.X_FORWARDED_PROTO, scheme);
        }
        if (this == RFC7239) {
            String proto = out.get(ProxyRequestHead.X_FORWARDED_PROTO);
            String host = out.get(io.netty.handler.codec.http.HttpHeaderNames.HOST);
            out.set(FORWARDED, "for=" + forNode(address) + ";proto=" + proto + ";host=\"" + quoted(host) + "\"");
        }
    }

    /** {@code 10.0.0.5:50000} to {@code 10.0.0.5}, {@code [::1]:54321} to {@code ::1}; anything else as is. */
    static String bareAddress(String client) {
        if (client.startsWith("[")) {
            int end = client.indexOf(']');
            return end < 0 ? client : client.substring(1, end);
        }
        int colon = client.lastIndexOf(':');
        return colon < 0 ? client : client.substring(0, colon);
    }

    /** The port in a {@code Host} value ({@code example.com:8443}, {@code [::1]:8443}), else the scheme's default. */
    static int port(String host, boolean secure) {
        int defaultPort = secure ? 443 : 80;
        if (host == null) {
            return defaultPort;
        }
        int colon = host.lastIndexOf(':');
        if (colon < 0 || colon < host.lastIndexOf(']') || colon == host.length() - 1) {
            return defaultPort;
        }
        try {
            int port = Integer.parseInt(host.substring(colon + 1));
            return port > 0 && port <= 65_535 ? port : defaultPort;
        } catch (NumberFormatException e) {
            return defaultPort;
        }
    }

    /** RFC 7239 §6: an IPv4 address or {@code unknown} as a token, an IPv6 address quoted in brackets. */
    static String forNode(String address) {
        return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
    }

    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** The virtual path as a field value: bytes outside visible ASCII percent-encoded (UTF-8). */
    static String headerSafe(String path) {
        boolean plain = true;
        for (int i = 0; i < path.length() && plain; i++) {
            char c = path.charAt(i);
            plain = c > 0x20 && c < 0x7f && c != '%';
        }
        if (plain) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length() + 16);
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
