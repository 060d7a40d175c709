package dev.porter.hosting;

import dev.porter.config.ConfigException;
import dev.porter.config.RequestLimits;
import dev.porter.config.WebConfig;
import java.util.Optional;

/**
 * An application's web.config as last read: either the parsed file or why it could not be used. Immutable;
 * {@link ApplicationHost} reads it when the application is registered and again on each (debounced) change, and
 * publishes it for the request path, so the application's request limits apply from its first request on (as IIS's
 * {@code requestFiltering} does), whether or not it is running, and a configuration error is known before any
 * incarnation is created.
 *
 * @param webConfig the parsed file; null when {@code error} is set
 * @param error why the file cannot be used; null when it can
 */
public record ApplicationSettings(WebConfig webConfig, ConfigException error) {

    static ApplicationSettings of(WebConfig webConfig) {
        return new ApplicationSettings(webConfig, null);
    }

    static ApplicationSettings failed(ConfigException error) {
        return new ApplicationSettings(null, error);
    }

    /**
     * The application's own request limits (narrowing the server's), empty for the server's. The parsed web.config
     * holds the Optional: read on every request, it allocates nothing.
     */
    public Optional<RequestLimits> requestLimits() {
        return webConfig == null ? Optional.empty() : webConfig.requestLimits();
    }

    /**
     * The handler setting {@code disallowRotationOnConfigChange} (spec §4, §8): {@code true} means a web.config
     * change does not recycle the running application.
     */
    public boolean disallowRotationOnConfigChange() {
        return webConfig != null && webConfig.aspNetCore().handlerSetting("disallowRotationOnConfigChange")
                .map(v -> v.trim().equalsIgnoreCase("true")).orElse(false);
    }
}
