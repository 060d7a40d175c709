package dev.porter.hosting.inprocess;

import java.util.Locale;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process server's options (the {@code IISServerOptions} of spec §3.2), which the app sets as system properties
 * of its domain — {@code -Dporter.maxRequestBodySize=...} in web.config's arguments, or {@code System.setProperty}
 * before its server starts (the app's properties are its own, see {@link DomainRuntime}):
 * <ul>
 * <li>{@code porter.maxRequestBodySize}: bytes; default the effective {@code maxAllowedContentLength}; negative is
 * refused ({@code Value must be null or a non-negative number.}); {@code null}/empty means no limit;</li>
 * <li>{@code porter.allowSynchronousIO}: default {@code true}. ASP.NET Core's switch guards a server whose blocking
 * calls have async twins; {@code com.sun.net.httpserver} has only blocking streams, and blocking on a platform thread
 * of the app's own executor (fixed, cached) is how that API is used, so in-process it is allowed. {@code false} is an
 * opt-in guard for apps that mean to block only on virtual threads: a blocking read or write on a platform thread then
 * fails with an {@code IOException} that names the thread and the property;</li>
 * <li>{@code porter.automaticAuthentication}: default {@code true}: {@code HttpExchange.getPrincipal()} carries the
 * front server's authenticated user.</li>
 * </ul>
 * A request may change its own body limit with the exchange attribute
 * {@value InProcessExchange#MAX_BODY_ATTRIBUTE} before it first reads.
 */
record InProcessOptions(long maxRequestBodySize, boolean allowSynchronousIO, boolean automaticAuthentication) {

    static final String MAX_REQUEST_BODY_SIZE = "porter.maxRequestBodySize";
    static final String ALLOW_SYNCHRONOUS_IO = "porter.allowSynchronousIO";
    static final String AUTOMATIC_AUTHENTICATION = "porter.automaticAuthentication";

    private static final Logger LOG = LoggerFactory.getLogger(InProcessOptions.class);

    /** Read when the app's server starts. */
    static InProcessOptions read(Properties properties, long maxAllowedContentLength, String appName) {
        long max = maxAllowedContentLength;
        String configured = properties.getProperty(MAX_REQUEST_BODY_SIZE);
        if (configured != null) {
            String v = configured.trim();
            if (v.isEmpty() || v.equalsIgnoreCase("null")) {
                max = Long.MAX_VALUE;
            } else {
                try {
                    long parsed = Long.parseLong(v);
                    if (parsed < 0) {
                        LOG.error("In-process app '{}': {}={}: Value must be null or a non-negative number. "
                                + "Using {}.", appName, MAX_REQUEST_BODY_SIZE, v, max);
                    } else {
                        if (parsed > maxAllowedContentLength) {
                            LOG.warn("In-process app '{}': Increasing the MaxRequestBodySize conflicts with the max "
                                    + "value for IIS limit maxAllowedContentLength. HTTP requests that have a content "
                                    + "length greater than maxAllowedContentLength will still be rejected by IIS. You "
                                    + "can disable the limit by either removing or setting the "
                                    + "maxAllowedContentLength value to a higher limit.", appName);
                        }
                        max = parsed;
                    }
                } catch (NumberFormatException e) {
                    LOG.error("In-process app '{}': {}='{}' is not a number of bytes. Using {}.", appName,
                            MAX_REQUEST_BODY_SIZE, v, max);
                }
            }
        }
        return new InProcessOptions(max, flag(properties, ALLOW_SYNCHRONOUS_IO, true),
                flag(properties, AUTOMATIC_AUTHENTICATION, true));
    }

    private static boolean flag(Properties properties, String name, boolean def) {
        String v = properties.getProperty(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            LOG.error("In-process app: {}='{}' is neither true nor false. Using {}.", name, v, def);
            return def;
        }
        return t.equals("true");
    }
}
