package dev.porter.httpcontext;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Turns the cooked (percent-decoded, dot-segment-free) path back into a request-target path for the backend
 * (spec/ancm-contract.md §1.4): every {@code ?} becomes {@code %3F} as ANCM does, and every character that RFC 3986
 * §3.3 does not allow in a path ({@code pchar} and {@code /}) is percent-encoded as UTF-8 bytes, as WinHTTP's default
 * path escaping does. A literal {@code %} of the decoded path is escaped too ({@code %25}), so the backend decodes
 * exactly the path the front server routed. Paths that need nothing (the usual case) are returned as they are.
 *
 * <p>The forwarder writes it on the wire to an out-of-process app; the in-process host hands an app the same spelling
 * when only the cooked path lies under the application's path base, so the app sees what it would out-of-process.
 *
 * <p>Not API (public for Porter's own modules). Stateless.
 */
public final class WirePath {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/";
        for (int i = 0; i < allowed.length(); i++) {
            ALLOWED[allowed.charAt(i)] = true;
        }
    }

    private WirePath() {
    }

    /**
     * The origin-form target for the backend: escaped cooked path, then {@code ?} and the raw query if there was one.
     */
    public static String target(String cookedPath, Optional<String> rawQuery) {
        String path = escape(cookedPath);
        return rawQuery.isPresent() ? path + '?' + rawQuery.get() : path;
    }

    /** The cooked path, percent-encoded where a request-target path may not carry a character as it is. */
    public static String escape(String cookedPath) {
        int i = 0;
        int n = cookedPath.length();
        while (i < n) {
            char c = cookedPath.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                break;
            }
            i++;
        }
        if (i == n) {
            return cookedPath;
        }
        StringBuilder out = new StringBuilder(n + 16);
        out.append(cookedPath, 0, i);
        byte[] rest = cookedPath.substring(i).getBytes(StandardCharsets.UTF_8);
        for (byte b : rest) {
            int u = b & 0xff;
            if (u < 128 && ALLOWED[u]) {
                out.append((char) u);
            } else {
                out.append('%').append(HEX[u >>> 4]).append(HEX[u & 0xf]);
            }
        }
        return out.toString();
    }
}
