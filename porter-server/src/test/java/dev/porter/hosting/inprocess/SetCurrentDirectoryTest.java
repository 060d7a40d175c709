package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code setCurrentDirectory} handler setting in-process (spec §3.1, §4; issue #14 item 5): by default an app's
 * working directory ({@code user.dir}) is its own directory; any value but {@code true} leaves it the server's.
 */
class SetCurrentDirectoryTest {

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
    }

    private Path app(String name, String setCurrentDirectory) {
        Path appDir = dir.resolve(name);
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        TestApps.write(appDir.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java" arguments="-jar app.jar" hostingModel="inprocess">
                      %s
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """.formatted(setCurrentDirectory == null ? "" : "<handlerSettings><handlerSetting "
                + "name=\"setCurrentDirectory\" value=\"" + setCurrentDirectory + "\" /></handlerSettings>"));
        return appDir;
    }

    private String userDir(String app) throws Exception {
        try (RawHttp http = new RawHttp(porter.port())) {
            RawHttp.Response r = http.exchange("GET " + app + "/prop?name=user.dir HTTP/1.1\r\n"
                    + "Host: localhost\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            return r.bodyText();
        }
    }

    @Test
    void onlyTrueOrNothingMakesTheAppDirectoryTheWorkingDirectory() throws Exception {
        Path byDefault = app("default", null);
        Path yes = app("yes", "TRUE");
        Path no = app("no", "false");
        Path other = app("other", "1");
        porter = Porter.start(TestApps.server(Map.of("/", byDefault, "/yes", yes, "/no", no, "/other", other)));
        String server = Path.of(System.getProperty("user.dir")).toAbsolutePath().toString();
        assertThat(userDir("")).isEqualTo(byDefault.toAbsolutePath().normalize().toString());
        assertThat(userDir("/yes")).isEqualTo(yes.toAbsolutePath().normalize().toString());
        // before: always the app directory
        assertThat(userDir("/no")).isEqualTo(server);
        assertThat(userDir("/other")).isEqualTo(server);
    }
}
