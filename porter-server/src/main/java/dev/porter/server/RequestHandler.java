package dev.porter.server;

import dev.porter.config.RequestLimits;

/**
 * What the front server hands a routed request to: one per application, implemented by the hosting module. The front
 * server knows nothing about processes or class loaders; it only calls {@link #handle} on the connection's event loop
 * with an {@link Exchange} whose request head has been validated and checked against the request limits.
 */
public interface RequestHandler {

    /**
     * Answers the exchange, now or later, from the exchange's event loop. Must not block. Exceptions thrown here are
     * answered with 500 by the front server.
     */
    void handle(Exchange exchange);

    /**
     * The application's own request limits (its web.config's requestFiltering section), which narrow the server's;
     * null for none. Read on every request, so implementations return a field.
     */
    default RequestLimits requestLimits() {
        return null;
    }
}
