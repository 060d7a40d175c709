package dev.porter.httpcontext;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Splits a request path into the application's path base and the rest, as ASP.NET Core's {@code UsePathBase} does
 * (spec/ancm-contract.md §2.1): the base matches case-insensitively and only at a segment boundary, so base
 * {@code /app1} takes {@code /APP1/x} and {@code /app1} but not {@code /app1x}. The matched part keeps the request's
 * own spelling. A path outside the base is left whole and the base is not applied.
 *
 * <p>One rule for both hosting models: porter-integration splits the request line's path with the app's
 * {@code ASPNETCORE_APPL_PATH} out-of-process, and the in-process host splits it with the application's virtual path,
 * so an app at {@code /app1} sees the same {@link #requestUri request URI} and {@link #base() path base} in either.
 *
 * <p>Not API (public for Porter's own modules). Immutable.
 */
public final class PathBase {
    /**
     * The exchange attribute under which the in-process host publishes {@link #base()} (ASP.NET Core's
     * {@code Request.PathBase} in-process); {@code PorterIntegration.pathBase(exchange)} reads it.
     */
    public static final String ATTRIBUTE = "porter.pathBase";

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
     * @param configuredBase the normalised base: {@code ""} for none, else {@code /} and no trailing {@code /}
     * @param rawPath the request path as it arrived (still percent-encoded)
     */
    public static PathBase split(String configuredBase, String rawPath) {
        if (configuredBase.isEmpty()) {
            return new PathBase("", rawPath, true);
        }
        int length = configuredBase.length();
        if (!isUnder(configuredBase, rawPath)) {
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
     * Whether {@code path} is {@code base} or lies below it: a case-insensitive prefix ending on a segment boundary,
     * compared as written (for a decoded path, or the literal spelling of a raw one).
     */
    public static boolean isUnder(String base, String path) {
        int length = base.length();
        return path.regionMatches(true, 0, base, 0, length)
                && (path.length() == length || path.charAt(length) == '/');
    }

    /**
     * The request URI an app sees for a path relative to its base: {@code /} for an empty path, the query kept as
     * it came. The front server lets through a few characters {@link URI} refuses (as IIS does); they are
     * percent-encoded rather than failing the request.
     *
     * @param rawPath the path after the base, still percent-encoded ({@code ""} means the base itself)
     * @param rawQuery the raw query; empty for none ({@code ?} alone is an empty string)
     */
    public static URI requestUri(String rawPath, Optional<String> rawQuery) {
        String path = rawPath.isEmpty() ? "/" : rawPath;
        String text = rawQuery.isPresent() ? path + "?" + rawQuery.get() : path;
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            return URI.create(text.replace(" ", "%20").replace("\"", "%22").replace("<", "%3C").replace(">", "%3E")
                    .replace("\\", "%5C").replace("^", "%5E").replace("`", "%60").replace("{", "%7B")
                    .replace("|", "%7C").replace("}", "%7D"));
        }
    }

    /**
     * How many characters of {@code rawPath} spell {@code base} once percent-decoded (ASCII letters compared without
     * case, an encoded {@code /} never matching a separator), ending on a segment boundary; -1 when they do not.
     */
    static int encodedPrefixLength(String base, String rawPath) {
        byte[] expected = base.getBytes(StandardCharsets.UTF_8);
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

    /**
     * The path after the base, still percent-encoded; {@code ""} when the request named the base itself
     * ({@link #requestUri(Optional)} makes that {@code /}).
     */
    public String rest() {
        return rest;
    }

    /** {@link #requestUri(String, Optional)} of {@link #rest()}: the request URI the app's handler sees. */
    public URI requestUri(Optional<String> rawQuery) {
        return requestUri(rest, rawQuery);
    }

    /** Whether the request lies under the configured base (always true when there is no base). */
    public boolean matched() {
        return matched;
    }
}
