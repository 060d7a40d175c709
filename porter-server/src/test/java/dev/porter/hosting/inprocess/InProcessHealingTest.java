package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.WebConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 2: an in-process failure heals as under IIS — the next request starts a fresh app domain — and
 * rapid-fail protection stops an app that keeps failing (503) until its interval passes or web.config changes.
 */
class InProcessHealingTest {

    @TempDir
    Path dir;

    private Porter porter;
    private final EventLog events = new EventLog();

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
        events.close();
    }

    private Path app(String name, String arguments, Map<String, String> attributes, Map<String, String> env) {
        Path appDir = dir.resolve(name);
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        writeWebConfig(appDir, arguments, attributes, env);
        return appDir;
    }

    private static void writeWebConfig(Path appDir, String arguments, Map<String, String> attributes,
            Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("processPath", "java");
        all.put("arguments", arguments);
        all.put("hostingModel", "inprocess");
        all.putAll(attributes);
        TestApps.writeWebConfig(appDir, all, env);
    }

    /** A web.config running the test app in-process with these handler settings. */
    static void withHandlerSettings(Path appDir, String arguments, Map<String, String> settings) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", "java");
        attributes.put("arguments", arguments);
        attributes.put("hostingModel", "inprocess");
        WebConfigFile.write(appDir, attributes, Map.of(), settings, null);
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    @Test
    void afterSystemExitTheNextRequestStartsAFreshDomainAndOtherAppsNeverNotice() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", app("root", "-jar app.jar", Map.of(), Map.of()));
        apps.put("/other", app("other", "-jar app.jar", Map.of(), Map.of()));
        porter = Porter.start(TestApps.server(apps));
        String first = get("/whoami").bodyText();
        String other = get("/other/whoami").bodyText();
        assertThat(get("/exit").bodyText()).isEqualTo("exiting");
        // An app that served and then exited: requests meanwhile wait for the fresh domain, none sees an error.
        java.util.List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            RawHttp.Response r = get("/whoami");
            statuses.add(r.status());
            return r.status() == 200 && !r.bodyText().equals(first);
        });
        assertThat(statuses).containsOnly(200);
        assertThat(get("/hello").bodyText()).isEqualTo("hello");
        assertThat(get("/other/whoami").bodyText()).isEqualTo(other);
        // Java words next to ANCM's id: what was called, and where.
        assertThat(String.join("\n", events.messages())).containsPattern(
                "Event 10(11|35): Application '[^']+' has exited: System\\.exit\\(3\\) was called at "
                        + "dev\\.porter\\.testapps\\.inprocess\\.InProcessTestApp\\.handle"
                        + "\\(InProcessTestApp\\.java:\\d+\\)"
                        + ", exit code = '3'")
                .doesNotContain("Program.Main");
    }

    @Test
    void aStartThatFailedOnceSucceedsOnTheNextRequest() throws Exception {
        porter = Porter.start(TestApps.server(Map.of("/", app("once", "-jar app.jar fail-once", Map.of(),
                Map.of("ASPNETCORE_DETAILEDERRORS", "1")))));
        RawHttp.Response failed = get("/hello");
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.bodyText()).contains("HTTP Error 500.30").contains("The database is down")
                .contains("the main method of dev.porter.testapps.inprocess.InProcessTestApp threw "
                        + "java.lang.IllegalStateException");
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/hello").status() == 200);
        assertThat(get("/hello").bodyText()).isEqualTo("hello");
    }

    @Test
    void aStartThatTimedOutOnceSucceedsOnTheNextRequest() throws Exception {
        // 3 s: the second start must fit in it on a loaded machine too.
        porter = Porter.start(TestApps.server(Map.of("/", app("slow", "-jar app.jar hang-once",
                Map.of("startupTimeLimit", "3"), Map.of("ASPNETCORE_DETAILEDERRORS", "1")))));
        RawHttp.Response timedOut = get("/hello");
        assertThat(timedOut.status()).isEqualTo(500);
        assertThat(timedOut.bodyText()).contains("HTTP Error 500.37")
                .contains("The app did not start its HttpServer within startupTimeLimit (3000 ms)");
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/hello").status() == 200);
    }

    @Test
    void suppressRecycleOnStartupTimeoutKeeps500Point37() throws Exception {
        Path appDir = app("slow-suppressed", "-jar app.jar hang-once", Map.of(), Map.of());
        Files.writeString(appDir.resolve("web.config"), """
                <configuration><system.webServer>
                  <aspNetCore processPath="java" arguments="-jar app.jar hang-once" hostingModel="inprocess"
                      startupTimeLimit="1">
                    <handlerSettings>
                      <handlerSetting name="suppressRecycleOnStartupTimeout" value="true"/>
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """);
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        assertThat(get("/hello").bodyText()).contains("HTTP Error 500.37");
        // The first start has been retired (its main thread interrupted) well before these: no fresh start follows.
        await().atMost(Duration.ofSeconds(30)).until(() -> !Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().endsWith("-main") && t.isAlive() && t.getName().contains("Default Web")));
        for (int i = 0; i < 3; i++) {
            assertThat(get("/hello").bodyText()).contains("HTTP Error 500.37");
        }
        assertThat(events.events(1032)).isEmpty();
    }

    @Test
    void anAppThatStoppedItsServerIsStartedAgain() throws Exception {
        porter = Porter.start(TestApps.server(Map.of("/", app("stopper", "-jar app.jar", Map.of(), Map.of()))));
        String first = get("/whoami").bodyText();
        assertThat(get("/stop-server").bodyText()).isEqualTo("stopping");
        java.util.List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            RawHttp.Response r = get("/whoami");
            statuses.add(r.status());
            return r.status() == 200 && !r.bodyText().equals(first);
        });
        assertThat(statuses).containsOnly(200);
        assertThat(events.messages()).anyMatch(m -> m.contains("stopped its HttpServer (HttpServer.stop was called)"));
    }

    @Test
    void rapidFailProtectionStopsAnAppThatKeepsFailing() throws Exception {
        Path appDir = app("crashing", "-jar app.jar throw", Map.of(), Map.of());
        withHandlerSettings(appDir, "-jar app.jar throw", Map.of("rapidFailProtectionMaxCrashes", "3"));
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        // Each request after a retired failure starts the app again (500.30) until the third failure stops it.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            RawHttp.Response r = get("/hello");
            assertThat(r.status()).isIn(500, 503);
            return r.status() == 503;
        });
        assertThat(get("/hello").bodyText()).contains("Service Unavailable");
        assertThat(events.events(5002)).singleElement().asString()
                .contains("3 within 300 s", "rapidFailProtectionMaxCrashes");
        assertThat(events.messages().stream().filter(m -> m.startsWith("Event 1018")).count()).isEqualTo(3);
    }

    @Test
    void theRapidFailStopEndsWhenTheIntervalHasPassed() throws Exception {
        Path appDir = app("crashing", "-jar app.jar throw", Map.of(), Map.of());
        withHandlerSettings(appDir, "-jar app.jar throw", Map.of("rapidFailProtectionMaxCrashes", "1",
                "rapidFailProtectionInterval", "00:00:10"));
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        assertThat(get("/hello").status()).isEqualTo(500);
        assertThat(events.events(5002)).singleElement().asString().contains("1 within 10 s");
        assertThat(get("/hello").status()).isEqualTo(503);
        // Once the interval has passed a request tries the app again (which fails again: its page, not 503).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> get("/hello")
                .status() == 500 && events.messages().stream().filter(m -> m.startsWith("Event 1018")).count() == 2);
    }

    @Test
    void aWebConfigChangeLiftsTheRapidFailStop() throws Exception {
        Path appDir = dir.resolve("fixed");
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        withHandlerSettings(appDir, "-jar app.jar throw", Map.of("rapidFailProtectionMaxCrashes", "1"));
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        assertThat(get("/hello").status()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/hello").status() == 503);
        // The fix is deployed: web.config now starts the app normally.
        withHandlerSettings(appDir, "-jar app.jar", Map.of("rapidFailProtectionMaxCrashes", "1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/hello").status() == 200);
    }

    @Test
    void aStopPastShutdownTimeLimitIsLogged1005AndTheHungThreadsAreInterruptedAndDisowned() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        Path appDir = app("hung", "-jar app.jar", Map.of("shutdownTimeLimit", "1"), Map.of());
        apps.put("/", appDir);
        apps.put("/other", app("other", "-jar app.jar", Map.of(), Map.of()));
        porter = Porter.start(TestApps.server(apps));
        String first = get("/whoami").bodyText();
        String other = get("/other/whoami").bodyText();
        assertThat(get("/hang-on-stop").bodyText()).isEqualTo("hook added");

        writeWebConfig(appDir, "-jar app.jar", Map.of("shutdownTimeLimit", "1"), Map.of("RECYCLE", "1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !events.events(1005).isEmpty());
        assertThat(events.events(1005)).singleElement().asString()
                .isEqualTo("Failed to gracefully shutdown application 'MACHINE/WEBROOT/APPHOST/Default Web Site'.");
        assertThat(events.events(1033)).noneMatch(m -> m.contains("'MACHINE/WEBROOT/APPHOST/Default Web Site'"));
        // The hook was interrupted (it ends then), and with it gone the old domain's class loader is let go.
        await().atMost(Duration.ofSeconds(30)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("hanging-shutdown-hook") && t.isAlive()));
        await().atMost(Duration.ofSeconds(30)).until(() -> events.messages().stream()
                .anyMatch(m -> m.contains("the threads it left running have ended; its class loader is released")));
        // The app serves again from a fresh domain, and the other app never stopped.
        RawHttp.Response again = get("/whoami");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.bodyText()).isNotEqualTo(first);
        assertThat(get("/other/whoami").bodyText()).isEqualTo(other);
    }
}
