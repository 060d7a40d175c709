package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process hosting end to end: the real server, apps packaged as jars, raw sockets. */
class InProcessHostingTest {

    static final String APP = "dev.porter.testapps.inprocess.InProcessTestApp";

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
    }

    /** An app directory with app.jar and a web.config running it in-process. */
    Path app(String name, String arguments, Map<String, String> extraAttributes, Map<String, String> env) {
        Path appDir = dir.resolve(name);
        AppJars.build(appDir.resolve("app.jar"), APP);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", "java");
        attributes.put("arguments", arguments);
        attributes.put("hostingModel", "inprocess");
        attributes.putAll(extraAttributes);
        TestApps.writeWebConfig(appDir, attributes, env);
        return appDir;
    }

    void start(Map<String, Path> apps) throws Exception {
        porter = Porter.start(TestApps.server(apps));
    }

    RawHttp.Response get(String path) throws Exception {
        try (RawHttp http = new RawHttp(porter.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        }
    }

    @Test
    void servesAHelloAppInProcess() throws Exception {
        start(Map.of("/", app("hello", "-jar app.jar", Map.of(), Map.of())));
        RawHttp.Response r = get("/hello");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("hello");
        assertThat(get("/whoami").bodyText()).contains("porter-app-").contains("server=jdk.internal.loader.ClassLoaders$PlatformClassLoader")
                .contains("thread-virtual=true");
        assertThat(get("/porter").bodyText()).isEqualTo("hidden");
        RawHttp.Response chunked = get("/chunked");
        assertThat(chunked.bodyText()).isEqualTo("part1,part2");
    }

    @Test
    void stripsTheVirtualPath() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", app("root", "-jar app.jar", Map.of(), Map.of()));
        apps.put("/app1", app("app1", "-jar app.jar", Map.of(), Map.of()));
        start(apps);
        assertThat(get("/app1/uri?x=1").bodyText()).isEqualTo("/uri?x=1 /");
        assertThat(get("/APP1/hello").bodyText()).isEqualTo("hello");
        assertThat(get("/uri").bodyText()).isEqualTo("/uri /");
    }

    @Test
    void missingJarIs500Point0WithTheReason() throws Exception {
        Path appDir = app("missing", "-jar nothere.jar", Map.of(), Map.of("ASPNETCORE_ENVIRONMENT", "Development"));
        start(Map.of("/", appDir));
        RawHttp.Response r = get("/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.0 - ASP.NET Core IIS hosting failure (in-process)")
                .contains("Application jar was not found at &#39;" + appDir.resolve("nothere.jar"));
    }

    @Test
    void exitStopsOnlyThatApp() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", app("root", "-jar app.jar", Map.of(), Map.of()));
        apps.put("/other", app("other", "-jar app.jar", Map.of(), Map.of()));
        start(apps);
        assertThat(get("/other/hello").status()).isEqualTo(200);
        assertThat(get("/exit").bodyText()).isEqualTo("exiting");
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/hello").status() == 500);
        assertThat(get("/hello").bodyText()).contains("HTTP Error 500.30");
        assertThat(get("/other/hello").bodyText()).isEqualTo("hello");
    }

    @Test
    void isolatesEnvironmentOfTwoAppsWithTheSameClasses() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/a", app("a", "-Dcolor=red -jar app.jar", Map.of(), Map.of("APP_COLOR", "red")));
        apps.put("/b", app("b", "-Dcolor=blue -jar app.jar", Map.of(), Map.of("APP_COLOR", "blue")));
        start(apps);
        assertThat(get("/a/env?name=APP_COLOR").bodyText()).isEqualTo("red");
        assertThat(get("/b/env?name=APP_COLOR").bodyText()).isEqualTo("blue");
        assertThat(get("/a/prop?name=color").bodyText()).isEqualTo("red");
        assertThat(get("/b/prop?name=color").bodyText()).isEqualTo("blue");
        assertThat(System.getProperty("color")).isNull();
        assertThat(get("/a/prop?name=user.dir").bodyText()).isEqualTo(dir.resolve("a").toAbsolutePath().toString());
        assertThat(get("/a/env?name=ASPNETCORE_IIS_PHYSICAL_PATH").bodyText())
                .isEqualTo(dir.resolve("a").toAbsolutePath() + "/");
        assertThat(get("/a/whoami").bodyText()).isNotEqualTo(get("/b/whoami").bodyText());
    }

    @Test
    void mainThrowingIs500Point30WithTheExceptionWhenDetailed() throws Exception {
        start(Map.of("/", app("throws", "-jar app.jar throw", Map.of(),
                Map.of("ASPNETCORE_ENVIRONMENT", "Development"))));
        RawHttp.Response r = get("/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.30 - ASP.NET Core app failed to start")
                .contains("IllegalStateException").contains("InProcessTestApp.main")
                .contains("TEST MESSAGE from throw");
    }

    @Test
    void neverStartingIs500Point37() throws Exception {
        start(Map.of("/", app("never", "-jar app.jar never", Map.of("startupTimeLimit", "1"), Map.of())));
        RawHttp.Response r = get("/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.37").contains("failed to start after 1000 milliseconds");
    }
}
