package dev.porter.integration.internal;

import dev.porter.httpcontext.PathBase;
import java.net.InetSocketAddress;

/**
 * What {@link RequestRules} decided for one request, and what the app must see if it goes on. Immutable.
 *
 * <p>Not API.
 */
public final class Outcome {
    /** What the container adapter must do. */
    public enum Action {
        /** Answer 400 with an empty body; the app never sees the request. */
        REJECT,
        /** Answer 202 with an empty body, then {@link ShutdownCoordinator#trigger()}; the app never sees it. */
        SHUTDOWN,
        /** Pass the request on, as this outcome describes it. */
        PROCEED
    }

    private final Action action;
    private final PathBase pathBase;
    private final ForwardedHeaders forwarded;
    private final ClientCertificate certificate;
    private final String user;
    private final String authType;

    Outcome(Action action, PathBase pathBase, ForwardedHeaders forwarded, ClientCertificate certificate, String user,
            String authType) {
        this.action = action;
        this.pathBase = pathBase;
        this.forwarded = forwarded;
        this.certificate = certificate;
        this.user = user;
        this.authType = authType;
    }

    public Action action() {
        return action;
    }

    public PathBase pathBase() {
        return pathBase;
    }

    public ForwardedHeaders forwarded() {
        return forwarded;
    }

    public InetSocketAddress remoteAddress() {
        return forwarded.remoteAddress();
    }

    public String scheme() {
        return forwarded.scheme();
    }

    /** The forwarded client certificate, decoded on first use; null if none was forwarded or forwarding is off. */
    public ClientCertificate certificate() {
        return certificate;
    }

    /** The forwarded user's name, or null (none forwarded, or automatic authentication off). */
    public String user() {
        return user;
    }

    /** The scheme the front server authenticated the user with (e.g. {@code Basic}); may be null. */
    public String authType() {
        return authType;
    }
}
