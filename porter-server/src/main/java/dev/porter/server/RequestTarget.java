package dev.porter.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The origin-form request target split the way IIS sees it: the raw path and query as the client sent them, and the
 * <em>cooked</em> path (percent-decoded as UTF-8, dot segments removed, RFC 3986 §5.2.4, runs of {@code /} merged into
 * one as IIS and nginx do) that routing uses and that the out-of-process forwarder sends on (spec/ancm-contract.md
 * §1.4). Merging slashes before routing means {@code //app/x} and {@code /%2Fapp/x} reach {@code /app}, never the root
 * application as a path its framework might read as {@code /app}'s.
 *
 * <p>The raw parts only ever hold bytes RFC 9112 §3.2 allows in an origin-form target ({@code pchar}, {@code /},
 * {@code ?}, {@code %}): an HTTP/2 {@code :path} can carry anything but CR, LF and NUL, and what it carries must never
 * become a second request line, query or version on a backend. Any other character (space, {@code "}, {@code <},
 * {@code >}, {@code \} in the query, {@code ^}, {@code `}, braces, {@code |}, brackets, non-ASCII) is percent-encoded,
 * which keeps its meaning; a {@code %} that starts no escape in the query becomes {@code %25}.
 *
 * @param rawQuery the query without its {@code ?}; empty when the target had no {@code ?}, an empty string when it
 *     ended in one
 */
public record RequestTarget(String rawPath, Optional<String> rawQuery, String cookedPath) {

    /** Why a target was refused; the message says what was wrong with it. */
    public static final class InvalidTargetException extends Exception {
        InvalidTargetException(String message) {
            super(message);
        }
    }

    public static RequestTarget parse(String uri) throws InvalidTargetException {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            throw new InvalidTargetException("the request target must be a path starting with '/' (origin-form); "
                    + "absolute-form and authority-form targets are not accepted");
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        int hash = rawPath.indexOf('#');
        if (hash >= 0 || query.indexOf('#') >= 0) {
            throw new InvalidTargetException("a fragment ('#') is not allowed in a request target");
        }
        // The query is forwarded as it came: a control character (DEL included) would reach the backend's request
        // line, where parsers differ on what it means.
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidTargetException("a control character (0x" + Integer.toHexString(c)
                        + ") is not allowed in the query");
            }
        }
        String cooked = removeDotSegments(mergeSlashes(decode(rawPath)));
        return new RequestTarget(encodeDisallowed(rawPath, false),
                q < 0 ? Optional.empty() : Optional.of(encodeDisallowed(query, true)), cooked);
    }

    private static final boolean[] ALLOWED = new boolean[128];

    static {
        String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%";
        for (int i = 0; i < allowed.length(); i++) {
            ALLOWED[allowed.charAt(i)] = true;
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * The part with every character RFC 9112 does not allow in a request target percent-encoded: a character below
     * 256 as the one byte the request line carried (the decoders hand bytes over as Latin-1), anything above as UTF-8.
     * Returns the part itself when it needs nothing (the usual case).
     */
    static String encodeDisallowed(String part, boolean query) {
        int n = part.length();
        int i = 0;
        while (i < n && isAllowed(part, i, query)) {
            i++;
        }
        if (i == n) {
            return part;
        }
        StringBuilder out = new StringBuilder(n + 16);
        out.append(part, 0, i);
        for (; i < n; i++) {
            char c = part.charAt(i);
            if (isAllowed(part, i, query)) {
                out.append(c);
            } else if (c < 256) {
                appendEscape(out, c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < n ? i + 2 : i + 1;
                for (byte b : part.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    appendEscape(out, b & 0xff);
                }
                i = end - 1;
            }
        }
        return out.toString();
    }

    private static boolean isAllowed(String part, int i, boolean query) {
        char c = part.charAt(i);
        if (c >= 128 || !ALLOWED[c]) {
            return false;
        }
        // In the path a malformed escape is refused by decode(); in the query it is forwarded, so it is made literal.
        return c != '%' || !query || (i + 2 < part.length()
                && isHex(part.charAt(i + 1)) && isHex(part.charAt(i + 2)));
    }

    private static boolean isHex(char c) {
        return c < 128 && Character.digit(c, 16) >= 0;
    }

    private static void appendEscape(StringBuilder out, int b) {
        out.append('%').append(HEX[b >>> 4]).append(HEX[b & 0xf]);
    }

    /** {@code //a///b} is {@code /a/b}: IIS and nginx merge slashes, so routing never sees an empty segment. */
    static String mergeSlashes(String path) {
        if (!path.contains("//")) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || out.isEmpty() || out.charAt(out.length() - 1) != '/') {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The length IIS compares with maxUrl: the path only. */
    public int urlLength() {
        return rawPath.length();
    }

    public int queryLength() {
        return rawQuery.isPresent() ? rawQuery.get().length() : 0;
    }

    private static String decode(String path) throws InvalidTargetException {
        if (path.indexOf('%') < 0) {
            checkCharacters(path);
            return path;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= path.length()) {
                    throw new InvalidTargetException("incomplete percent-escape in the path");
                }
                int hi = Character.digit(path.charAt(i + 1), 16);
                int lo = Character.digit(path.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new InvalidTargetException("invalid percent-escape '" + path.substring(i, i + 3)
                            + "' in the path");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidTargetException("the percent-decoded path is not valid UTF-8");
        }
        checkCharacters(decoded);
        return decoded;
    }

    private static void checkCharacters(String path) throws InvalidTargetException {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidTargetException("a control character (0x" + Integer.toHexString(c)
                        + ") is not allowed in the path");
            }
            if (c == '\\') {
                throw new InvalidTargetException("a backslash is not allowed in the path");
            }
        }
    }

    private static String removeDotSegments(String path) throws InvalidTargetException {
        if (!path.contains("/.")) {
            return path; // a dot segment always follows a slash: "/index.html" needs no work
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (s.equals("..")) {
                if (out.isEmpty()) {
                    throw new InvalidTargetException("the path climbs above the root with '..'");
                }
                out.removeLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(s);
            }
        }
        return "/" + String.join("/", out);
    }
}
