package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.config.AspNetCoreConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Forwarder} forwards (spec/ancm-contract.md §1.4–§1.6).
 *
 * @param requestTimeout web.config {@code requestTimeout}: the longest the backend may stay silent, before its first
 *     response byte and between bytes (§1.5); expiry answers 502.3. Zero (allowed by the schema) means no limit, as
 *     a zero WinHTTP timeout does; it also bounds connecting.
 * @param forwardResponseConnectionHeader handler setting {@code forwardResponseConnectionHeader}: pass the backend's
 *     {@code Connection} response header on to the client instead of dropping it
 * @param webSocketsEnabled forward {@code Upgrade: websocket} requests and tunnel the connection after a 101 (§1.6)
 * @param forwardedHeaders handler setting {@code forwardedHeaders}: ANCM's {@code X-Forwarded-For}/{@code -Proto}
 *     (the default) or the standard set ({@link ForwardedHeaders})
 */
public record ForwardingOptions(Duration requestTimeout, boolean forwardResponseConnectionHeader,
        boolean webSocketsEnabled, ForwardedHeaders forwardedHeaders) {

    /** ANCM's defaults: two minutes, Connection dropped, WebSockets on, ANCM's forwarding headers. */
    public static final ForwardingOptions DEFAULTS = new ForwardingOptions(Duration.ofMinutes(2), false, true);

    /** With ANCM's forwarding headers. */
    public ForwardingOptions(Duration requestTimeout, boolean forwardResponseConnectionHeader,
            boolean webSocketsEnabled) {
        this(requestTimeout, forwardResponseConnectionHeader, webSocketsEnabled, ForwardedHeaders.ANCM);
    }

    public ForwardingOptions {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(forwardedHeaders, "forwardedHeaders");
        if (requestTimeout.isNegative()) {
            throw new IllegalArgumentException("requestTimeout must not be negative, got " + requestTimeout);
        }
    }

    /**
     * The options of an application's web.config: {@code requestTimeout} and the handler setting
     * {@code forwardResponseConnectionHeader} (counts only when exactly {@code true}, case-insensitive) and
     * {@code forwardedHeaders} (validated by the parser; {@code ancm} when absent).
     *
     * @param webSocketsEnabled whether the front server forwards WebSocket upgrades for this application (what ANCM
     *     also passes as {@code ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED})
     */
    public static ForwardingOptions of(AspNetCoreConfig config, boolean webSocketsEnabled) {
        return new ForwardingOptions(config.requestTimeout(),
                config.handlerFlag("forwardResponseConnectionHeader", false), webSocketsEnabled,
                config.handlerSetting(ForwardedHeaders.SETTING).flatMap(ForwardedHeaders::parse)
                        .orElse(ForwardedHeaders.ANCM));
    }
}
