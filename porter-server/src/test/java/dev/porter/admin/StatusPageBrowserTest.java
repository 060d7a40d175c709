package dev.porter.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.porter.Porter;
import dev.porter.config.AdministrationConfig;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.TestApps;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: {@code src/test/browser/status-page.mjs} drives Debian's Chromium through
 * playwright-core (never a downloaded browser) against a real Porter with an out-of-process TestBackend. It sees the
 * app running with its process id, clicks Recycle and sees the new process id, sees the app go offline within 2 s of
 * an {@code app_offline.htm} appearing, and takes it offline and back with the buttons. The screenshot is kept as
 * {@code target/browser/status-page.png}.
 *
 * <p>Skipped, saying why, only when node, Chromium or the npm packages are missing; {@code .ci/run} installs them
 * ({@code apt-get install nodejs npm chromium}, {@code npm ci}) so that CI runs it.
 */
class StatusPageBrowserTest {

    private static final Path BROWSER_DIR = Path.of("src", "test", "browser").toAbsolutePath();

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

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void thePageFollowsTheAppAndItsButtonsWork() throws Exception {
        String node = onPath("node");
        assumeTrue(node != null, "node is not installed (apt-get install nodejs npm; .ci/run does)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")),
                "Debian's chromium is not installed (apt-get install chromium; .ci/run does)");
        assumeTrue(Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run npm ci in " + BROWSER_DIR + " (.ci/run does)");

        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        porter = Porter.start(TestApps.server(Map.of("/", app)), ServerEnvironment.ofSystem(),
                HostingModels.defaults(), AdministrationConfig.loopback(0, "test"));
        assertThat(Backends.get(porter.port(), "/pid").status()).isEqualTo(200);

        Path screenshot = Path.of("target", "browser", "status-page.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        ProcessBuilder builder = new ProcessBuilder(node, "status-page.mjs").directory(BROWSER_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("browser.log").toFile());
        builder.environment().put("ADMIN_URL",
                "http://127.0.0.1:" + porter.adminAddress().orElseThrow().getPort() + "/");
        builder.environment().put("APP_URL", "http://127.0.0.1:" + porter.port() + "/");
        builder.environment().put("APP_DIR", app.toString());
        builder.environment().put("SCREENSHOT", screenshot.toString());
        Process script = builder.start();
        backends.track(script.pid());
        boolean ended = script.waitFor(180, TimeUnit.SECONDS);
        if (!ended) {
            script.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(dir.resolve("browser.log"), StandardCharsets.UTF_8);
        assertThat(ended).as("the browser script ended within 180 s:\n" + output).isTrue();
        System.out.println(output);
        assertThat(script.exitValue()).as("status-page.mjs said:\n" + output).isZero();
        assertThat(output).contains("the page shows the new process id", "seen as offline on the page after");
        assertThat(screenshot).isNotEmptyFile();
    }

    private static String onPath(String command) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, command);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
