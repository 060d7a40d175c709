package dev.porter.integration.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code X-Forwarded-For} / {@code X-Forwarded-Proto} the way ASP.NET Core's ForwardedHeadersMiddleware applies them
 * under {@code UseIISIntegration} (spec/ancm-contract.md §2.3): only for a connection from a known proxy (loopback:
 * 127.0.0.0/8 and ::1), forward limit 1, so only the right-most entry of each header is taken, headers need not be
 * symmetric. The consumed entries leave the headers (a header left empty is removed) and the replaced values are kept
 * as {@code X-Original-For} ({@code ip:port}) and {@code X-Original-Proto}.
 *
 * <p>An entry that is not an IP literal (with or without port) or not a scheme name stops processing, as in ASP.NET:
 * nothing from that entry is applied. Host names are never resolved.
 *
 * <p>Not API. Instances are immutable.
 */
public final class ForwardedHeaders {
    public static final String X_FORWARDED_FOR = "X-Forwarded-For";
    public static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    public static final String X_ORIGINAL_FOR = "X-Original-For";
    public static final String X_ORIGINAL_PROTO = "X-Original-Proto";

    private final InetSocketAddress remoteAddress;
    private final String scheme;
    private final String originalFor;
    private final String originalProto;
    private final String remainingFor;
    private final String remainingProto;

    private ForwardedHeaders(InetSocketAddress remoteAddress, String scheme, String originalFor, String originalProto,
            String remainingFor, String remainingProto) {
        this.remoteAddress = remoteAddress;
        this.scheme = scheme;
        this.originalFor = originalFor;
        this.originalProto = originalProto;
        this.remainingFor = remainingFor;
        this.remainingProto = remainingProto;
    }

    /**
     * Applies the forwarded headers when the peer is a trusted (loopback) proxy, as .NET's ForwardedHeaders
     * middleware does.
     *
     * @param remote the connection's peer
     * @param scheme the connection's scheme ({@code http} behind Porter)
     * @param forwardedFor every {@code X-Forwarded-For} header line, in order (may be empty)
     * @param forwardedProto every {@code X-Forwarded-Proto} header line, in order (may be empty)
     */
    public static ForwardedHeaders apply(InetSocketAddress remote, String scheme, List<String> forwardedFor,
            List<String> forwardedProto) {
        ForwardedHeaders unchanged = new ForwardedHeaders(remote, scheme, null, null, null, null);
        if (remote == null || remote.getAddress() == null || !remote.getAddress().isLoopbackAddress()) {
            return unchanged;
        }
        List<String> forEntries = entries(forwardedFor);
        List<String> protoEntries = entries(forwardedProto);
        if (forEntries.isEmpty() && protoEntries.isEmpty()) {
            return unchanged;
        }
        InetSocketAddress newRemote = remote;
        String newScheme = scheme;
        String originalFor = null;
        String originalProto = null;
        String remainingFor = null;
        String remainingProto = null;
        if (!forEntries.isEmpty()) {
            InetSocketAddress client = parseEndpoint(forEntries.get(forEntries.size() - 1));
            if (client == null) {
                return unchanged;
            }
            newRemote = client;
        }
        if (!protoEntries.isEmpty()) {
            String proto = protoEntries.get(protoEntries.size() - 1);
            if (!isSchemeName(proto)) {
                return unchanged;
            }
            newScheme = proto.toLowerCase(Locale.ROOT);
        }
        if (!forEntries.isEmpty()) {
            originalFor = format(remote);
            remainingFor = String.join(", ", forEntries.subList(0, forEntries.size() - 1));
        }
        if (!protoEntries.isEmpty()) {
            originalProto = scheme;
            remainingProto = String.join(", ", protoEntries.subList(0, protoEntries.size() - 1));
        }
        return new ForwardedHeaders(newRemote, newScheme, originalFor, originalProto, remainingFor, remainingProto);
    }

    /** The client as the request should see it. */
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** {@code http} or {@code https} (or what the proxy named), lower case. */
    public String scheme() {
        return scheme;
    }

    /** The replaced peer as {@code ip:port} ({@code [v6]:port}), or null if X-Forwarded-For was not applied. */
    public String originalFor() {
        return originalFor;
    }

    /** The replaced scheme, or null if X-Forwarded-Proto was not applied. */
    public String originalProto() {
        return originalProto;
    }

    /** Whether X-Forwarded-For was consumed, so the request's header must become {@link #remainingFor()}. */
    public boolean forConsumed() {
        return originalFor != null;
    }

    /** Whether X-Forwarded-Proto was consumed, so the request's header must become {@link #remainingProto()}. */
    public boolean protoConsumed() {
        return originalProto != null;
    }

    /** What is left of X-Forwarded-For after the consumed entry; {@code ""} means remove the header. */
    public String remainingFor() {
        return remainingFor;
    }

    /** What is left of X-Forwarded-Proto after the consumed entry; {@code ""} means remove the header. */
    public String remainingProto() {
        return remainingProto;
    }

    /** {@code ip:port} with IPv6 in brackets, as .NET formats an IPEndPoint. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return host + ":" + address.getPort();
    }

    private static List<String> entries(List<String> headerLines) {
        if (headerLines == null || headerLines.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> entries = new ArrayList<>();
        for (String line : headerLines) {
            for (String part : line.split(",", -1)) {
                String trimmed = part.trim();
                if (!trimmed.isEmpty()) {
                    entries.add(trimmed);
                }
            }
        }
        return Collections.unmodifiableList(entries);
    }

    /**
     * {@code 1.2.3.4}, {@code 1.2.3.4:5}, {@code ::1}, {@code [::1]}, {@code [::1]:5}; null for anything else.
     * Without a port the entry keeps the port 0, as .NET does (the connection's port belongs to the proxy).
     */
    static InetSocketAddress parseEndpoint(String text) {
        String host;
        int port = 0;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            String after = text.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return null;
                }
                port = parsePort(after.substring(1));
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') >= 0) {
            host = text.substring(0, text.indexOf(':'));
            port = parsePort(text.substring(text.indexOf(':') + 1));
        } else {
            host = text;
        }
        if (port < 0) {
            return null;
        }
        InetAddress address = parseLiteral(host);
        return address == null ? null : new InetSocketAddress(address, port);
    }

    /**
     * A container's peer address ({@code 127.0.0.1}, {@code ::1}, {@code [::1]}) without any name lookup; an address
     * that is not an IP literal stays unresolved (and so never counts as loopback).
     */
    public static InetSocketAddress endpoint(String ip, int port) {
        String host = ip == null ? "" : ip;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int zone = host.indexOf('%');
        InetAddress address = parseLiteral(zone >= 0 ? host.substring(0, zone) : host);
        return address == null ? InetSocketAddress.createUnresolved(host.isEmpty() ? "unknown" : host, port)
                : new InetSocketAddress(address, port);
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        int port = Integer.parseInt(text);
        return port <= 65535 ? port : -1;
    }

    /** An IP literal only: the character check keeps InetAddress from ever doing a DNS lookup. */
    private static InetAddress parseLiteral(String host) {
        if (host.isEmpty()) {
            return null;
        }
        boolean v6 = host.indexOf(':') >= 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.'
                    || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) {
                return null;
            }
        }
        if (!v6) {
            String[] octets = host.split("\\.", -1);
            if (octets.length != 4) {
                return null;
            }
            for (String octet : octets) {
                if (octet.isEmpty() || octet.length() > 3 || Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(v6 ? "[" + host + "]" : host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** RFC 3986 scheme: a letter, then letters, digits, {@code + - .}. */
    private static boolean isSchemeName(String value) {
        if (value.isEmpty() || !Character.isLetter(value.charAt(0)) || value.charAt(0) > 127) {
            return false;
        }
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '-' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
