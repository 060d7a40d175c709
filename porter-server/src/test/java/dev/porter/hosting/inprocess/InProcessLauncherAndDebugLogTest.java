package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 5: {@code ANCM_LAUNCHER_PATH}/{@code ANCM_LAUNCHER_ARGS} and the module debug log ({@code debugLevel},
 * {@code debugFile}, {@code ASPNETCORE_MODULE_DEBUG}) work in-process as they do out-of-process.
 */
class InProcessLauncherAndDebugLogTest {

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    private void start(Path app, Map<String, String> serverVariables) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(serverVariables);
        porter = Porter.start(TestApps.server(Map.of("/", app)), new ServerEnvironment(env), HostingModels.defaults());
    }

    @Test
    void ancmLauncherPathAndArgsReplaceProcessPathAndArgumentsInProcess() throws Exception {
        Path app = dir.resolve("launched");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        // web.config alone could not start anything in-process (500.0): the launcher variables make it work.
        TestApps.writeWebConfig(app, Map.of("processPath", "bogus", "arguments", "nothing",
                "hostingModel", "inprocess"), Map.of());
        start(app, Map.of("ANCM_LAUNCHER_PATH", "java", "ANCM_LAUNCHER_ARGS", "-Dlaunched=yes -jar app.jar"));
        assertThat(get("/hello").bodyText()).isEqualTo("hello");
        assertThat(get("/prop?name=launched").bodyText()).isEqualTo("yes");
    }

    @Test
    void debugLevelAndDebugFileWriteTheModuleDebugLogInProcess() throws Exception {
        Path app = dir.resolve("debugged");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        Files.writeString(app.resolve("web.config"), """
                <configuration><system.webServer>
                  <aspNetCore processPath="java" arguments="-jar app.jar" hostingModel="inprocess">
                    <handlerSettings>
                      <handlerSetting name="debugLevel" value="FILE,TRACE"/>
                      <handlerSetting name="debugFile" value=".\\logs\\debug.log"/>
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """);
        start(app, Map.of());
        assertThat(get("/hello").bodyText()).isEqualTo("hello");
        Path log = app.resolve("logs/debug.log");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(log)
                && Files.readString(log).contains("started its HttpServer"));
        assertThat(Files.readString(log)).startsWith("[porter] Initializing logs for 'porter in-process handler'")
                .contains("[porter] Starting the application in-process: java -jar app.jar")
                .contains("[porter] Main class dev.porter.testapps.inprocess.InProcessTestApp, class path");
        porter.stop();
        porter = null;
        assertThat(Files.readString(log)).contains("[porter] Stopping the application (SERVER_SHUTDOWN)")
                .contains("[porter] Application has shutdown");
    }

    @Test
    void aspnetcoreModuleDebugFromTheServersEnvironmentTurnsTheLogOn() throws Exception {
        Path app = dir.resolve("env-debugged");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar throw",
                "hostingModel", "inprocess"), Map.of());
        start(app, Map.of("ASPNETCORE_MODULE_DEBUG", "file,warning",
                "ASPNETCORE_MODULE_DEBUG_FILE", app.resolve("module.log").toString()));
        assertThat(get("/hello").status()).isEqualTo(500);
        Path log = app.resolve("module.log");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(log)
                && Files.readString(log).contains("The application failed (500.30)"));
        assertThat(Files.readString(log)).contains("the main method of dev.porter.testapps.inprocess.InProcessTestApp "
                + "threw java.lang.IllegalStateException").doesNotContain("Starting the application"); // info is off
    }
}
