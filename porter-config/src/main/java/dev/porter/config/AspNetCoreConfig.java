package dev.porter.config;

import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * The {@code system.webServer/aspNetCore} section of an application's web.config, validated, defaults applied
 * (spec/ancm-contract.md §4). {@code processPath}, {@code arguments} and {@code stdoutLogFile} are already
 * {@code %VAR%}-expanded; paths are still as written (Windows separators included): {@link AppPaths} resolves them.
 *
 * @param environmentVariables names as written, last duplicate wins (compared case-insensitively), in file order
 * @param handlerSettings keys lower-cased; the first of duplicate names wins
 */
public record AspNetCoreConfig(
        String processPath,
        String arguments,
        Duration startupTimeLimit,
        Duration shutdownTimeLimit,
        int rapidFailsPerMinute,
        Duration requestTimeout,
        boolean stdoutLogEnabled,
        String stdoutLogFile,
        int processesPerApplication,
        boolean forwardWindowsAuthToken,
        boolean disableStartUpErrorPage,
        HostingModel hostingModel,
        SequencedMap<String, String> environmentVariables,
        Map<String, String> handlerSettings) {

    public static final String DEFAULT_STDOUT_LOG_FILE = ".\\aspnetcore-stdout";

    public AspNetCoreConfig {
        environmentVariables = Collections.unmodifiableSequencedMap(environmentVariables);
        handlerSettings = Collections.unmodifiableMap(handlerSettings);
    }

    /** A handler setting by name (case-insensitive), if present. */
    public Optional<String> handlerSetting(String name) {
        return Optional.ofNullable(handlerSettings.get(name.toLowerCase(Locale.ROOT)));
    }

    /**
     * A handler setting that, when present, is true only if it says {@code true} (case-insensitive): how ANCM reads
     * {@code setCurrentDirectory}, {@code forwardResponseConnectionHeader}, {@code disallowRotationOnConfigChange},
     * {@code enableShadowCopy}...
     */
    public boolean handlerFlag(String name, boolean defaultValue) {
        return handlerSetting(name).map(v -> v.trim().equalsIgnoreCase("true")).orElse(defaultValue);
    }

    /**
     * A handler setting that is true unless it says exactly {@code false} (case-insensitive): how ANCM reads
     * {@code enableOutOfProcessConsoleRedirection}.
     */
    public boolean handlerFlagUnlessFalse(String name) {
        return handlerSetting(name).map(v -> !v.trim().equalsIgnoreCase("false")).orElse(true);
    }
}
