package dev.porter.hosting.ancm;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ServerEnvironment;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The environment block ANCM gives an application, one rule set for both hosting models: what an out-of-process
 * child starts with (spec §1.2) and what {@code System.getenv} shows an in-process app (§3.1 step 4). Names compare
 * case-insensitively, as ANCM's do:
 * <ol>
 * <li>the server's own environment (inherited);</li>
 * <li>web.config {@code environmentVariables} replace inherited ones of the same name, a case variant included
 * (already {@code %VAR%}-expanded by the parser); with {@code ANCM_PREFER_ENVIRONMENT_VARIABLES=1|true} in the server
 * environment an inherited value wins over web.config;</li>
 * <li>in both models, always overwritten: {@code ASPNETCORE_IIS_HTTPAUTH}, {@code ASPNETCORE_IIS_PHYSICAL_PATH};</li>
 * <li>out-of-process only ({@link #outOfProcess}): {@code ASPNETCORE_PORT}, {@code ASPNETCORE_APPL_PATH},
 * {@code ASPNETCORE_TOKEN}, {@code ASPNETCORE_ANCM_HTTPS_PORT}, {@code ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED},
 * {@code ASPNETCORE_HOSTINGSTARTUPASSEMBLIES}, with the override rules of the spec's table, and beyond ANCM
 * {@code HTTP_PLATFORM_PORT}, the same port under HttpPlatformHandler's name, unless set already. In-process a
 * web.config {@code ASPNETCORE_PORT} or {@code ASPNETCORE_TOKEN} is just a variable, as ANCM sets it.</li>
 * </ol>
 * Immutable per application incarnation except for the port and the token, which {@link #forProcess} sets per process.
 */
public final class AncmEnvironment {

    public static final String PORT = "ASPNETCORE_PORT";
    public static final String APPL_PATH = "ASPNETCORE_APPL_PATH";
    public static final String TOKEN = "ASPNETCORE_TOKEN";
    public static final String HTTPAUTH = "ASPNETCORE_IIS_HTTPAUTH";
    public static final String PHYSICAL_PATH = "ASPNETCORE_IIS_PHYSICAL_PATH";
    public static final String HTTPS_PORT = "ASPNETCORE_ANCM_HTTPS_PORT";
    public static final String WEBSOCKETS = "ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED";
    public static final String HOSTING_STARTUP = "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES";
    public static final String PREFER_ENVIRONMENT = "ANCM_PREFER_ENVIRONMENT_VARIABLES";
    /** HttpPlatformHandler's port variable: Porter sets it to the port too, unless web.config or the server sets it. */
    public static final String HTTP_PLATFORM_PORT = "HTTP_PLATFORM_PORT";
    public static final String IIS_INTEGRATION_STARTUP = "Microsoft.AspNetCore.Server.IISIntegration";

    /** The block without port and token; keys case-folded, each entry keeps the name as it should be exported. */
    private final TreeMap<String, Map.Entry<String, String>> base = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** web.config's ASPNETCORE_PORT after the preference rule, if any (null: none; "" counts as none). */
    private final String configuredPort;
    /** web.config's ASPNETCORE_TOKEN, if any. */
    private final String configuredToken;

    /** The variables only an out-of-process child gets (in-process, only when web.config or the server sets them). */
    public static final List<String> OUT_OF_PROCESS_ONLY =
            List.of(PORT, APPL_PATH, TOKEN, HTTPS_PORT, WEBSOCKETS, HOSTING_STARTUP, HTTP_PLATFORM_PORT);

    /** The block of an out-of-process application's children (the port and the token per process). */
    public static AncmEnvironment outOfProcess(ApplicationContext context) {
        return new AncmEnvironment(context, true);
    }

    /** The environment an in-process application's {@code System.getenv} shows. */
    public static Map<String, String> inProcess(ApplicationContext context) {
        return new AncmEnvironment(context, false).block();
    }

    private AncmEnvironment(ApplicationContext context, boolean outOfProcess) {
        ServerEnvironment server = context.environment();
        AspNetCoreConfig config = context.webConfig().aspNetCore();
        server.variables().forEach(this::put);
        boolean preferServer = server.get(PREFER_ENVIRONMENT)
                .map(v -> v.trim().equals("1") || v.trim().equalsIgnoreCase("true")).orElse(false);
        TreeMap<String, String> fromConfig = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        config.environmentVariables().forEach((name, value) -> {
            String effective = preferServer ? server.get(name).orElse(value) : value;
            fromConfig.put(name, effective);
            put(name, effective);
        });

        put(HTTPAUTH, httpAuth(context.server()));
        // ANCM passes the application *id* here out-of-process (bug-compatible note in the spec); Porter consciously
        // passes what the name says and what in-process passes: the physical path with a trailing separator.
        put(PHYSICAL_PATH, context.physicalPath().toString() + File.separator);
        if (!outOfProcess) {
            configuredPort = null;
            configuredToken = null;
            return;
        }

        String port = fromConfig.get(PORT);
        configuredPort = port == null || port.isEmpty() ? null : port;
        base.remove(PORT);
        configuredToken = fromConfig.get(TOKEN);
        base.remove(TOKEN);

        put(APPL_PATH, context.virtualPath());
        put(WEBSOCKETS, Boolean.toString(context.webConfig().webSocketEnabled()));
        if (!fromConfig.containsKey(HTTPS_PORT)) {
            Optional<Integer> httpsPort = httpsPort(context.site());
            if (httpsPort.isPresent()) {
                put(HTTPS_PORT, httpsPort.get().toString());
            } else {
                base.remove(HTTPS_PORT); // "no value" for the app, as an empty variable is on Windows
            }
        }
        if (!fromConfig.containsKey(HOSTING_STARTUP)) {
            // Bug-compatible: ANCM's "already present" check never matches, so the suffix is always appended.
            put(HOSTING_STARTUP, server.get(HOSTING_STARTUP).orElse("") + ";" + IIS_INTEGRATION_STARTUP);
        }
    }

    /** The web.config {@code ASPNETCORE_PORT} as written, or empty when a random port is to be drawn. */
    public Optional<String> configuredPort() {
        return Optional.ofNullable(configuredPort);
    }

    /** The web.config {@code ASPNETCORE_TOKEN}, which then pairs every process of the app. */
    public Optional<String> configuredToken() {
        return Optional.ofNullable(configuredToken);
    }

    /** The block without a port and a token: in-process, the whole of it. */
    private Map<String, String> block() {
        Map<String, String> block = new LinkedHashMap<>(base.size());
        base.values().forEach(e -> block.put(e.getKey(), e.getValue()));
        return block;
    }

    /** The whole block for one out-of-process child. */
    public Map<String, String> forProcess(int port, String token) {
        Map<String, String> block = new LinkedHashMap<>(base.size() + 2);
        base.values().forEach(e -> block.put(e.getKey(), e.getValue()));
        block.put(PORT, Integer.toString(port));
        block.put(TOKEN, token);
        if (!base.containsKey(HTTP_PLATFORM_PORT)) {
            // beyond ANCM: HttpPlatformHandler's name for the port, for apps (and arguments) written for it
            block.put(HTTP_PLATFORM_PORT, Integer.toString(port));
        }
        return block;
    }

    private void put(String name, String value) {
        base.remove(name); // a case variant (e.g. inherited "Path" and web.config "PATH") is replaced, not doubled
        base.put(name, Map.entry(name, value));
    }

    /**
     * The site's https port when all its served https bindings share one, else none (spec §1.2). The site is the
     * running server's, so a port-0 https binding carries the port the OS chose.
     */
    public static Optional<Integer> httpsPort(ServerConfig.Site site) {
        String port = site.ancmHttpsPort();
        return port.isEmpty() ? Optional.empty() : Optional.of(Integer.valueOf(port));
    }

    /** {@code ASPNETCORE_IIS_HTTPAUTH} from the server's authentication sections ({@code basic;anonymous;}...). */
    public static String httpAuth(ServerConfig server) {
        return server == null || server.security() == null ? "anonymous;" : server.security().httpAuthVariable();
    }
}
