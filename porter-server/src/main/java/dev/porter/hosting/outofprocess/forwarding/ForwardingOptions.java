package dev.porter.hosting.outofprocess.forwarding;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Forwarder} forwards (spec/ancm-contract.md §1.4–§1.6).
 *
 * @param requestTimeout web.config {@code requestTimeout}: the longest the backend may stay silent, before its first
 *     response byte and between bytes (§1.5); expiry answers 502.3
 * @param forwardResponseConnectionHeader handler setting {@code forwardResponseConnectionHeader}: pass the backend's
 *     {@code Connection} response header on to the client instead of dropping it
 * @param webSocketsEnabled forward {@code Upgrade: websocket} requests and tunnel the connection after a 101 (§1.6)
 */
public record ForwardingOptions(Duration requestTimeout, boolean forwardResponseConnectionHeader,
        boolean webSocketsEnabled) {

    /** ANCM's defaults: two minutes, Connection dropped, WebSockets on. */
    public static final ForwardingOptions DEFAULTS = new ForwardingOptions(Duration.ofMinutes(2), false, true);

    public ForwardingOptions {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
    }
}
