package dev.porter.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An application's web.config as far as Porter reads it.
 *
 * @param aspNetCore the hosting section
 * @param requestLimits the app's own request limits, if it has the section (they can only narrow the server's)
 * @param webSocketEnabled IIS's {@code <webSocket enabled>} (default true): false turns WebSocket support off for the
 *     application (no upgrade is forwarded; {@code ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED=false})
 */
public record WebConfig(Path file, AspNetCoreConfig aspNetCore, Optional<RequestLimits> requestLimits,
        boolean webSocketEnabled) {

    public WebConfig(Path file, AspNetCoreConfig aspNetCore, Optional<RequestLimits> requestLimits) {
        this(file, aspNetCore, requestLimits, true);
    }
}
