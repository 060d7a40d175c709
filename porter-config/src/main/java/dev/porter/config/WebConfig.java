package dev.porter.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An application's web.config as far as Porter reads it.
 *
 * @param aspNetCore the hosting section
 * @param requestLimits the app's own request limits, if it has the section (they can only narrow the server's)
 */
public record WebConfig(Path file, AspNetCoreConfig aspNetCore, Optional<RequestLimits> requestLimits) {
}
