package dev.porter.hosting.servlet;

import java.util.Objects;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * The WAR runner's (out-of-process) view of the front server's scheme at Jetty's level: a request that came to Porter
 * over TLS reaches the runner over loopback http with {@code X-Forwarded-Proto: https} and Porter's pairing token.
 * Porter's integration filter already tells the servlets ({@code getScheme()}, {@code isSecure()}), but what Jetty
 * writes itself — its error pages' URI — reads Jetty's request, before and around any filter. This customizer makes
 * that request https too, so a WAR's error pages read the same in-process and out-of-process. Without the pairing
 * token nothing changes (and the integration filter answers 400 anyway).
 *
 * <p>Threading: called by Jetty for each request, on its thread; stateless.
 */
final class ForwardedSchemeCustomizer implements HttpConfiguration.Customizer {

    private final String token;

    ForwardedSchemeCustomizer(String token) {
        this.token = token;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        HttpFields headers = request.getHeaders();
        if (token == null || token.isEmpty() || request.isSecure()
                || !Objects.equals(token, headers.get("MS-ASPNETCORE-TOKEN"))) {
            return request;
        }
        String proto = headers.get("X-Forwarded-Proto");
        if (proto == null || !lastValue(proto).equalsIgnoreCase("https")) {
            return request;
        }
        HttpURI secure = HttpURI.build(request.getHttpURI()).scheme(HttpScheme.HTTPS).asImmutable();
        return new Request.Wrapper(request) {
            @Override
            public HttpURI getHttpURI() {
                return secure;
            }

            @Override
            public boolean isSecure() {
                return true;
            }
        };
    }

    /** Porter appends its value to what a client sent ({@code http, https}): the last one is Porter's. */
    private static String lastValue(String list) {
        int comma = list.lastIndexOf(',');
        return (comma < 0 ? list : list.substring(comma + 1)).trim();
    }
}
