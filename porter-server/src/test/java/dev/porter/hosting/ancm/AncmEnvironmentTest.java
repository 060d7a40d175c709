package dev.porter.hosting.ancm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import dev.porter.config.WebConfig;
import dev.porter.config.WebConfigParser;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.TestApps;
import java.io.File;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ANCM environment rule set for both hosting models: the block an in-process app's {@code System.getenv} shows is
 * the block an out-of-process child starts with, less the variables only a child gets (spec §1.2 and §3.1 step 4).
 */
class AncmEnvironmentTest {

    @TempDir
    Path dir;

    private ApplicationContext context(Map<String, String> serverVariables, Map<String, String> webConfigVariables)
            throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java"), webConfigVariables);
        ServerConfig server = TestApps.server(Map.of("/api", app));
        ServerEnvironment environment = new ServerEnvironment(serverVariables);
        WebConfig webConfig = new WebConfigParser(environment.expander()).parse(app.resolve("web.config"));
        return new ApplicationContext(server, server.sites().getFirst(),
                server.sites().getFirst().applications().getFirst(), webConfig, environment);
    }

    /** The out-of-process block of a child on port 5000 with token t, less the variables only a child gets. */
    private static Map<String, String> sharedPart(Map<String, String> outOfProcess) {
        Map<String, String> shared = new LinkedHashMap<>(outOfProcess);
        AncmEnvironment.OUT_OF_PROCESS_ONLY.forEach(shared::remove);
        return shared;
    }

    private static Map<String, String> sorted(Map<String, String> block) {
        return new TreeMap<>(block);
    }

    @Test
    void bothModelsGiveTheSameEnvironmentBeyondTheOutOfProcessVariables() throws Exception {
        Map<String, String> server = new HashMap<>();
        server.put("Path", "/usr/bin");
        server.put("KEPT", "from the server");
        server.put("SHARED", "server value");
        Map<String, String> webConfig = new LinkedHashMap<>();
        webConfig.put("PATH", "/opt/app/bin"); // a case variant of the server's Path: replaces it
        webConfig.put("SHARED", "web.config value");
        webConfig.put("ASPNETCORE_IIS_HTTPAUTH", "shouldberemoved");
        webConfig.put("ASPNETCORE_IIS_PHYSICAL_PATH", "shouldberemoved");
        webConfig.put("APP_ONLY", "x");
        ApplicationContext context = context(server, webConfig);

        Map<String, String> inProcess = AncmEnvironment.inProcess(context);
        Map<String, String> outOfProcess = AncmEnvironment.outOfProcess(context).forProcess(5000, "t");

        assertThat(sorted(inProcess)).isEqualTo(sorted(sharedPart(outOfProcess)));
        assertThat(inProcess).containsEntry("PATH", "/opt/app/bin").doesNotContainKey("Path")
                .containsEntry("KEPT", "from the server").containsEntry("SHARED", "web.config value")
                .containsEntry("APP_ONLY", "x").containsEntry("ASPNETCORE_IIS_HTTPAUTH", "anonymous;")
                .containsEntry("ASPNETCORE_IIS_PHYSICAL_PATH", context.physicalPath() + File.separator);
        assertThat(inProcess).doesNotContainKeys(AncmEnvironment.OUT_OF_PROCESS_ONLY.toArray(String[]::new));
        assertThat(outOfProcess).containsEntry("ASPNETCORE_PORT", "5000").containsEntry("ASPNETCORE_TOKEN", "t")
                .containsEntry("ASPNETCORE_APPL_PATH", "/api").containsEntry("HTTP_PLATFORM_PORT", "5000")
                .containsEntry("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", ";Microsoft.AspNetCore.Server.IISIntegration");
    }

    @Test
    void preferringTheServersEnvironmentWorksTheSameInBothModels() throws Exception {
        Map<String, String> server = new HashMap<>();
        server.put("ANCM_PREFER_ENVIRONMENT_VARIABLES", "TRUE");
        server.put("shared", "server value");
        Map<String, String> webConfig = new LinkedHashMap<>();
        webConfig.put("SHARED", "web.config value");
        webConfig.put("APP_ONLY", "x");
        ApplicationContext context = context(server, webConfig);

        Map<String, String> inProcess = AncmEnvironment.inProcess(context);
        Map<String, String> outOfProcess = AncmEnvironment.outOfProcess(context).forProcess(5000, "t");

        assertThat(sorted(inProcess)).isEqualTo(sorted(sharedPart(outOfProcess)));
        assertThat(inProcess).containsEntry("SHARED", "server value").doesNotContainKey("shared")
                .containsEntry("APP_ONLY", "x");
    }

    @Test
    void aWebConfigPortOrTokenIsTheChildsOutOfProcessAndJustAVariableInProcess() throws Exception {
        ApplicationContext context = context(Map.of(),
                Map.of("ASPNETCORE_PORT", "6000", "ASPNETCORE_TOKEN", "fixed"));

        AncmEnvironment outOfProcess = AncmEnvironment.outOfProcess(context);
        assertThat(outOfProcess.configuredPort()).contains("6000");
        assertThat(outOfProcess.configuredToken()).contains("fixed");
        assertThat(AncmEnvironment.inProcess(context)).containsEntry("ASPNETCORE_PORT", "6000")
                .containsEntry("ASPNETCORE_TOKEN", "fixed");
    }
}
