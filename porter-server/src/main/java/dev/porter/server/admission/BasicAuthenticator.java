package dev.porter.server.admission;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.porter.config.ServerConfig;
import dev.porter.server.AuthenticatedUser;
import dev.porter.server.Exchange;
import dev.porter.server.Router;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Basic authentication (RFC 7617) against an htpasswd file of bcrypt hashes ({@code htpasswd -B}). Credentials are
 * UTF-8 {@code user:password}; the user name is everything before the first colon. An unknown user costs a bcrypt
 * check too, so that response times do not tell which user names exist.
 */
final class BasicAuthenticator implements Authenticator {

    private final String realm;
    /** Checked for unknown users: a hash of a random string at the cost of the file's first entry. */
    private final char[] decoy;
    private final Map<String, String> users;
    private final BCrypt.Verifyer verifyer = BCrypt.verifyer();

    BasicAuthenticator(ServerConfig.BasicAuthentication config) {
        this.realm = config.realm();
        this.users = config.users();
        int cost = users.values().stream().findFirst().map(h -> Integer.parseInt(h.substring(4, 6))).orElse(5);
        this.decoy = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToChar(cost,
                java.util.UUID.randomUUID().toString().toCharArray());
    }

    @Override
    public String scheme() {
        return "Basic";
    }

    /** IIS's challenge: the configured realm, or the host the client asked for when none is configured. */
    @Override
    public String challenge(Exchange exchange) {
        String r = realm;
        if (r.isEmpty()) {
            r = Router.hostName(exchange.request().headers().get("Host"));
            if (r.isEmpty() || r.indexOf('"') >= 0 || r.indexOf('\\') >= 0) {
                r = "Porter";
            }
        }
        return "Basic realm=\"" + r + "\", charset=\"UTF-8\"";
    }

    @Override
    public AuthenticatedUser authenticate(String authorization) {
        String encoded = authorization.substring(scheme().length() + 1).strip();
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = credentials.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String name = credentials.substring(0, colon);
        char[] password = credentials.substring(colon + 1).toCharArray();
        String hash = users.get(name);
        boolean verified = verifyer.verify(password, hash == null ? decoy : hash.toCharArray()).verified;
        return verified && hash != null ? new AuthenticatedUser(name, scheme(), realm) : null;
    }
}
