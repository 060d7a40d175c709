package dev.porter.integration.internal;

import dev.porter.httpcontext.PathBase;
import dev.porter.integration.PorterOptions;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The per-request rules of ASP.NET Core's IIS integration, in its order (spec/ancm-contract.md §2.1, §2.2): after the
 * caller has split off the path base, X-Forwarded-For/Proto (§2.3), then the pairing-token check, then the shutdown
 * event, then the forwarded client certificate and user. Container-neutral: the JDK filter and the servlet filter each
 * adapt their request to {@link Request} and act on the {@link Outcome}.
 *
 * <p>Not API. Immutable and safe to call from any number of request threads at once.
 */
public final class RequestRules {
    public static final String TOKEN_HEADER = "MS-ASPNETCORE-TOKEN";
    public static final String EVENT_HEADER = "MS-ASPNETCORE-EVENT";
    public static final String USER_HEADER = "MS-ASPNETCORE-USER";
    public static final String AUTH_TYPE_HEADER = "MS-ASPNETCORE-AUTH-TYPE";
    /** §2.2 step 2: compared case-insensitively with the path after the base. */
    public static final String SHUTDOWN_PATH = "/iisintegration";

    /** The error logged for a request without the right pairing token; it names neither token. */
    public static final String TOKEN_MISMATCH =
            "'MS-ASPNETCORE-TOKEN' does not match the expected pairing token, request rejected.";

    private static final System.Logger LOG = System.getLogger("dev.porter.integration");

    private final IntegrationSettings settings;
    private final PorterOptions options;
    private final byte[] token;
    private final String tokenMismatch;

    public RequestRules(IntegrationSettings settings, PorterOptions options) {
        this.settings = settings;
        this.options = options;
        this.token = settings.token().getBytes(StandardCharsets.UTF_8);
        // ANCM's text (§2.2 step 1) without the expected token, which ANCM prints: whoever reads the app's log could
        // then call the app directly, around the front server's limits and authentication. A token is never logged.
        this.tokenMismatch = TOKEN_MISMATCH;
    }

    public IntegrationSettings settings() {
        return settings;
    }

    public PorterOptions options() {
        return options;
    }

    /** What the rules need to see of a request; the containers' adapters implement it. */
    public interface Request {
        String method();

        /** The first value of a header (names are case-insensitive), or null. */
        String header(String name);

        /** Every value of a header, one element per header line; empty if absent. */
        List<String> headers(String name);

        InetSocketAddress remoteAddress();

        /** The connection's scheme, {@code http} behind Porter. */
        String scheme();
    }

    /**
     * Applies the rules to one request.
     *
     * @param request the request
     * @param pathBase the split the caller made of the request path with {@link IntegrationSettings#pathBase()}
     */
    public Outcome evaluate(Request request, PathBase pathBase) {
        ForwardedHeaders forwarded = ForwardedHeaders.apply(request.remoteAddress(), request.scheme(),
                request.headers(ForwardedHeaders.X_FORWARDED_FOR), request.headers(ForwardedHeaders.X_FORWARDED_PROTO));
        String presented = request.header(TOKEN_HEADER);
        if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            LOG.log(Level.ERROR, tokenMismatch);
            return new Outcome(Outcome.Action.REJECT, pathBase, forwarded, null, null, null);
        }
        if (isShutdownEvent(request, pathBase)) {
            return new Outcome(Outcome.Action.SHUTDOWN, pathBase, forwarded, null, null, null);
        }
        ClientCertificate certificate = null;
        String encodedCertificate = request.header(ClientCertificate.HEADER);
        if (options.forwardClientCertificate() && encodedCertificate != null && !encodedCertificate.isEmpty()) {
            certificate = new ClientCertificate(encodedCertificate);
        }
        String user = null;
        String authType = null;
        String forwardedUser = request.header(USER_HEADER);
        if (options.automaticAuthentication() && forwardedUser != null && !forwardedUser.trim().isEmpty()) {
            user = forwardedUser.trim();
            authType = request.header(AUTH_TYPE_HEADER);
            if (authType == null || authType.trim().isEmpty()) {
                authType = options.authenticationDisplayName();
            } else {
                authType = authType.trim();
            }
        }
        return new Outcome(Outcome.Action.PROCEED, pathBase, forwarded, certificate, user, authType);
    }

    /**
     * POST (any case) to {@code /iisintegration} after the base, with event {@code shutdown} (any case; ANCM sends it
     * with a trailing space). A request outside the configured base never counts: the module always sends it under
     * the base, and a bare {@code /iisintegration} there belongs to another app.
     */
    private static boolean isShutdownEvent(Request request, PathBase pathBase) {
        if (!"POST".equalsIgnoreCase(request.method()) || !pathBase.matched()
                || !SHUTDOWN_PATH.equalsIgnoreCase(pathBase.rest())) {
            return false;
        }
        String event = request.header(EVENT_HEADER);
        return event != null && "shutdown".equalsIgnoreCase(event.trim());
    }
}
