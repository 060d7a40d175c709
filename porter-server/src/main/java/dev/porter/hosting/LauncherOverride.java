package dev.porter.hosting;

import dev.porter.config.AspNetCoreConfig;

/**
 * ANCM's launcher override (spec §1.1, {@code requesthandler_config.cpp}, {@code InProcessOptions.cpp}): when the
 * server's environment has {@code ANCM_LAUNCHER_PATH}, it replaces web.config's {@code processPath}, and
 * {@code ANCM_LAUNCHER_ARGS} replaces {@code arguments} — in both hosting models, so each reads them here.
 */
public final class LauncherOverride {

    public static final String PATH_VARIABLE = "ANCM_LAUNCHER_PATH";
    public static final String ARGS_VARIABLE = "ANCM_LAUNCHER_ARGS";

    private LauncherOverride() {
    }

    /** {@code ANCM_LAUNCHER_PATH} if set, else {@code processPath}. */
    public static String processPath(AspNetCoreConfig config, ServerEnvironment environment) {
        return environment.get(PATH_VARIABLE).orElse(config.processPath());
    }

    /** {@code ANCM_LAUNCHER_ARGS} if set, else {@code arguments}. */
    public static String arguments(AspNetCoreConfig config, ServerEnvironment environment) {
        return environment.get(ARGS_VARIABLE).orElse(config.arguments());
    }
}
