package dev.porter.config;

/**
 * {@code system.webServer/security/requestFiltering/requestLimits}, with IIS's defaults. Server-wide in porter.xml;
 * an application's web.config may narrow them, never widen them.
 */
public record RequestLimits(long maxAllowedContentLength, int maxUrl, int maxQueryString) {

    public static final long DEFAULT_MAX_ALLOWED_CONTENT_LENGTH = 30_000_000L;
    public static final int DEFAULT_MAX_URL = 4096;
    public static final int DEFAULT_MAX_QUERY_STRING = 2048;

    public static final RequestLimits DEFAULTS =
            new RequestLimits(DEFAULT_MAX_ALLOWED_CONTENT_LENGTH, DEFAULT_MAX_URL, DEFAULT_MAX_QUERY_STRING);

    /** The stricter of each limit. */
    public RequestLimits narrowedBy(RequestLimits other) {
        if (other == null) {
            return this;
        }
        return new RequestLimits(Math.min(maxAllowedContentLength, other.maxAllowedContentLength),
                Math.min(maxUrl, other.maxUrl), Math.min(maxQueryString, other.maxQueryString));
    }
}
