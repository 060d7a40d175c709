package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.EnvironmentExpander;
import dev.porter.config.WebConfigParser;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Details of the contract an audit found missing (issue #14 item 5): IIS's {@code <webSocket enabled="false"/>}
 * reaches the app as {@code ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED=false}, and the module debug log switches from
 * {@code ASPNETCORE_MODULE_DEBUG_FILE} to web.config's {@code debugFile} with ANCM's line.
 */
class ContractDetailsTest {

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private Porter porter;

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private static void writeWebConfig(Path app, String extraSections) {
        String attributes = Backends.attributes(List.of()).entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue() + "\"").collect(Collectors.joining(" "));
        TestApps.write(app.resolve("web.config"), "<configuration><system.webServer>" + extraSections
                + "<aspNetCore " + attributes + " /></system.webServer></configuration>");
    }

    private String get(String path) throws Exception {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 60_000)) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").bodyText();
        }
    }

    @Test
    void webSocketEnabledFalseIsWhatTheAppIsTold() throws Exception {
        Path off = dir.resolve("off");
        Path on = dir.resolve("on");
        writeWebConfig(off, "<webSocket enabled=\"false\" />");
        writeWebConfig(on, "");
        porter = Porter.start(TestApps.server(Map.of("/off", off, "/on", on)));
        // before: always true
        assertThat(get("/off/env/ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED")).isEqualTo("false");
        assertThat(get("/on/env/ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED")).isEqualTo("true");
    }

    @Test
    void theDebugLogSwitchesFromTheEnvironmentsFileToWebConfigs() throws Exception {
        Path app = dir.resolve("app");
        TestApps.write(app.resolve("web.config"), """
                <configuration><system.webServer><aspNetCore processPath="java">
                  <handlerSettings>
                    <handlerSetting name="debugLevel" value="file,info" />
                    <handlerSetting name="debugFile" value="logs\\debug.log" />
                  </handlerSettings>
                </aspNetCore></system.webServer></configuration>
                """);
        AspNetCoreConfig config = new WebConfigParser(EnvironmentExpander.ofSystem()).parse(app.resolve("web.config"))
                .aspNetCore();
        ModuleDebugLog log = ModuleDebugLog.of(config, app,
                new ServerEnvironment(Map.of("ASPNETCORE_MODULE_DEBUG_FILE", "initial.log")));
        log.info("hello");
        Path configured = app.resolve("logs/debug.log");
        assertThat(Files.readString(app.resolve("initial.log")))
                .contains("Switching debug log files to '" + configured + "'").doesNotContain("hello");
        assertThat(Files.readString(configured)).contains("[porter] hello");
    }
}
