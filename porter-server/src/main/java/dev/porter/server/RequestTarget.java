package dev.porter.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The origin-form request target split the way IIS sees it: the raw path and query as the client sent them, and the
 * <em>cooked</em> path (percent-decoded as UTF-8, dot segments removed, RFC 3986 §5.2.4) that routing uses and that the
 * out-of-process forwarder sends on (spec/ancm-contract.md §1.4).
 *
 * @param rawQuery the query without its {@code ?}, or null when the target had none
 */
public record RequestTarget(String rawPath, String rawQuery, String cookedPath) {

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
        String rawQuery = q < 0 ? null : uri.substring(q + 1);
        int hash = rawPath.indexOf('#');
        if (hash >= 0 || (rawQuery != null && rawQuery.indexOf('#') >= 0)) {
            throw new InvalidTargetException("a fragment ('#') is not allowed in a request target");
        }
        if (rawQuery != null) {
            // The query is forwarded as it came: a control character (DEL included) would reach the backend's
            // request line, where parsers differ on what it means.
            for (int i = 0; i < rawQuery.length(); i++) {
                char c = rawQuery.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    throw new InvalidTargetException("a control character (0x" + Integer.toHexString(c)
                            + ") is not allowed in the query");
                }
            }
        }
        return new RequestTarget(rawPath, rawQuery, removeDotSegments(decode(rawPath)));
    }

    /** The length IIS compares with maxUrl: the path only. */
    public int urlLength() {
        return rawPath.length();
    }

    public int queryLength() {
        return rawQuery == null ? 0 : rawQuery.length();
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
