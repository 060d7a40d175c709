package dev.porter.hosting;

import dev.porter.config.ServerConfig;
import dev.porter.config.WebConfig;
import java.nio.file.Path;

/**
 * Everything a hosting model needs to know about one application incarnation.
 *
 * @param webConfig the application's web.config as read for this incarnation
 * @param environment the server process environment and the module-level knobs read from it
 * @param launchDirectory where this incarnation runs from: its working directory, and where a relative
 *     {@code processPath} and the java command line's jars resolve. The application directory, or with shadow copy
 *     ({@code enableShadowCopy}) this incarnation's copy of it; logs and {@code ASPNETCORE_IIS_PHYSICAL_PATH} stay with
 *     the application directory.
 */
public record ApplicationContext(
        ServerConfig server,
        ServerConfig.Site site,
        ServerConfig.Application application,
        WebConfig webConfig,
        ServerEnvironment environment,
        Path launchDirectory) {

    /** An incarnation that runs from the application directory itself. */
    public ApplicationContext(ServerConfig server, ServerConfig.Site site, ServerConfig.Application application,
            WebConfig webConfig, ServerEnvironment environment) {
        this(server, site, application, webConfig, environment, application.physicalPath());
    }

    public Path physicalPath() {
        return application.physicalPath();
    }

    /** The application's virtual path: {@code /} or {@code /app1} ({@code ASPNETCORE_APPL_PATH}). */
    public String virtualPath() {
        return application.path();
    }

    /**
     * The name ANCM's events use for an application: its IIS configuration path,
     * {@code MACHINE/WEBROOT/APPHOST/<site>[/<vpath>]}.
     */
    public String configPath() {
        return configPath(site, application);
    }

    static String configPath(ServerConfig.Site site, ServerConfig.Application application) {
        return "MACHINE/WEBROOT/APPHOST/" + site.name() + (application.path().equals("/") ? "" : application.path());
    }
}
