package dev.porter.server.admission;

import dev.porter.server.AuthenticatedUser;
import dev.porter.server.Exchange;

/**
 * One HTTP authentication scheme of the front server (RFC 9110 section 11): Basic today ({@link BasicAuthenticator}),
 * Negotiate/Kerberos later through the JDK's GSS-API. A Negotiate implementation needs per-connection state (the GSS
 * context of a multi-leg exchange): it will get it from the exchange's connection, and may answer a 401 with a
 * continuation token instead of a user; the front server's {@link FrontSecurity} stays the only caller.
 *
 * <p>Threading: {@link #accepts} and {@link #challenge} on the event loop (cheap); {@link #authenticate} on a virtual
 * thread, since checking a password hash is deliberately slow.
 */
interface Authenticator {

    /** The scheme name as it appears in {@code Authorization} and {@code WWW-Authenticate}: {@code Basic}. */
    String scheme();

    /** Whether this {@code Authorization} value is for this scheme (scheme names compare case-insensitively). */
    default boolean accepts(String authorization) {
        String scheme = scheme();
        return authorization.length() > scheme.length()
                && authorization.regionMatches(true, 0, scheme, 0, scheme.length())
                && authorization.charAt(scheme.length()) == ' ';
    }

    /** The {@code WWW-Authenticate} value of a 401 for this request. */
    String challenge(Exchange exchange);

    /** The user these credentials prove, or null when they prove nothing (wrong password, unknown user, garbage). */
    AuthenticatedUser authenticate(String authorization);
}
