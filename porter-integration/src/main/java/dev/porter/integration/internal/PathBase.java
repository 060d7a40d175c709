package dev.porter.integration.internal;

/**
 * Splits a request path into the application's path base and the rest, as ASP.NET Core's {@code UsePathBase} does
 * (spec/ancm-contract.md §2.1): the base matches case-insensitively and only at a segment boundary, so base
 * {@code /app1} takes {@code /APP1/x} and {@code /app1} but not {@code /app1x}. The matched part keeps the request's
 * own spelling. A path outside the base is left whole and the base is not applied.
 *
 * <p>Not API. Stateless.
 */
public final class PathBase {
    private final String base;
    private final String rest;
    private final boolean matched;

    private PathBase(String base, String rest, boolean matched) {
        this.base = base;
        this.rest = rest;
        this.matched = matched;
    }

    /**
     * Splits a request path into the configured base and the rest.
     *
     * @param configuredBase the normalised base ({@code ""} for none, see {@link IntegrationSettings#pathBase()})
     * @param rawPath the request path as it arrived (still percent-encoded)
     */
    public static PathBase split(String configuredBase, String rawPath) {
        if (configuredBase.isEmpty()) {
            return new PathBase("", rawPath, true);
        }
        int length = configuredBase.length();
        boolean prefix = rawPath.regionMatches(true, 0, configuredBase, 0, length)
                && (rawPath.length() == length || rawPath.charAt(length) == '/');
        if (!prefix) {
            // A base with characters the request line percent-encodes ("/my app" arrives as "/my%20app"): compare
            // decoded, as ASP.NET Core's PathString does.
            length = encodedPrefixLength(configuredBase, rawPath);
            if (length < 0) {
                return new PathBase("", rawPath, false);
            }
        }
        return new PathBase(rawPath.substring(0, length), rawPath.substring(length), true);
    }

    /**
     * How many characters of {@code rawPath} spell {@code base} once percent-decoded (ASCII letters compared without
     * case, an encoded {@code /} never matching a separator), ending on a segment boundary; -1 when they do not.
     */
    static int encodedPrefixLength(String base, String rawPath) {
        byte[] expected = base.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = 0;
        for (byte want : expected) {
            if (at >= rawPath.length()) {
                return -1;
            }
            int got;
            char c = rawPath.charAt(at);
            if (c == '%' && at + 2 < rawPath.length() && Character.digit(rawPath.charAt(at + 1), 16) >= 0
                    && Character.digit(rawPath.charAt(at + 2), 16) >= 0) {
                got = Character.digit(rawPath.charAt(at + 1), 16) << 4 | Character.digit(rawPath.charAt(at + 2), 16);
                if (got == '/') {
                    return -1;
                }
                at += 3;
            } else if (c < 0x80) {
                got = c;
                at++;
            } else {
                return -1; // a raw non-ASCII character: not what a request line carries
            }
            if (lower(got) != lower(want & 0xff)) {
                return -1;
            }
        }
        return at == rawPath.length() || rawPath.charAt(at) == '/' ? at : -1;
    }

    private static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    /** The base as the request spelled it, or {@code ""}. */
    public String base() {
        return base;
    }

    /** The path after the base; {@code ""} when the request named the base itself (callers use {@code /}). */
    public String rest() {
        return rest;
    }

    /** Whether the request lies under the configured base (always true when there is no base). */
    public boolean matched() {
        return matched;
    }
}
