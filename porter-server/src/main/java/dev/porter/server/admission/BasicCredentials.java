package dev.porter.server.admission;

import dev.porter.config.ServerConfig;
import dev.porter.server.AuthenticatedUser;

/**
 * The front server's Basic authentication ({@link BasicAuthenticator}: htpasswd bcrypt entries, a decoy check for
 * unknown users) for other listeners of the same process, such as the admin endpoint, which must not re-implement a
 * password check.
 *
 * <p>Threading: {@link #user} is thread-safe and deliberately slow (bcrypt): call it off event loops.
 */
public final class BasicCredentials {

    private final BasicAuthenticator authenticator;

    public BasicCredentials(ServerConfig.BasicAuthentication config) {
        this.authenticator = new BasicAuthenticator(config);
    }

    /** The user an {@code Authorization} header value proves, or null (missing, not Basic, wrong, unknown). */
    public String user(String authorization) {
        if (authorization == null || !authorizationIsBasic(authorization)) {
            return null;
        }
        AuthenticatedUser user = authenticator.authenticate(authorization);
        return user == null ? null : user.name();
    }

    private boolean authorizationIsBasic(String authorization) {
        return authenticator.accepts(authorization);
    }
}
