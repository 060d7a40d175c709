package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 5: WARs and Spring Boot jars run in an app domain as JDK {@code HttpServer} apps do. A real WAR
 * (samples/war) and a real Spring Boot 4 jar (samples/spring-boot) call {@code System.exit} in a request: only that
 * app stops, the server log names the call, the next requests are served by a fresh incarnation, and another app in the
 * same Porter keeps serving throughout. {@code System.getenv()} and {@code System.getenv(name)} see web.config's
 * {@code environmentVariables}, each app its own.
 */
class ServletAppDomainTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp(120_000);

    private Path war(String name, Map<String, String> env) throws IOException {
        return ServletApps.inProcess(dir, name, WarInProcessTest.SAMPLE_WAR, env);
    }

    private Path boot(String name, Map<String, String> env) throws IOException {
        return ServletApps.inProcess(dir, name, SpringBootInProcessTest.SAMPLE_JAR, env);
    }

    private String log() {
        return String.join("\n", hosted.events().messages());
    }

    @Test
    void aWarSeesItsOwnEnvironmentAndItsSystemExitStopsOnlyThatApp() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/war", war("war", Map.of("PORTER_DOMAIN_TEST", "from web.config")));
        apps.put("/other", war("other", Map.of()));
        hosted.start(TestApps.server(apps));

        // System.getenv(name) and System.getenv().get(name): web.config's value, and only in the app that sets it.
        RawHttp.Response env = hosted.get("/war/env?name=PORTER_DOMAIN_TEST");
        assertThat(env.status()).as(env.bodyText()).isEqualTo(200);
        assertThat(env.bodyText()).isEqualTo("from web.config|from web.config");
        assertThat(hosted.get("/other/env?name=PORTER_DOMAIN_TEST").bodyText()).isEqualTo("null|null");
        assertThat(hosted.get("/war/env?name=ASPNETCORE_IIS_PHYSICAL_PATH").bodyText())
                .startsWith(apps.get("/war").toString());

        String first = hosted.get("/war/loader").bodyText();
        String other = hosted.get("/other/loader").bodyText();
        // The request that called System.exit gets an error from its own container; Porter goes on.
        assertThat(hosted.get("/war/exit?status=3").status()).isEqualTo(500);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            RawHttp.Response r = hosted.get("/war/loader");
            statuses.add(r.status());
            return r.status() == 200 && !r.bodyText().equals(first);
        });
        // An app that had served: requests after the exit wait for the fresh incarnation, none sees an error page.
        assertThat(statuses).containsOnly(200);
        assertThat(hosted.get("/war/hello").bodyText()).isEqualTo("hello from a WAR");
        assertThat(hosted.get("/war/env?name=PORTER_DOMAIN_TEST").bodyText())
                .isEqualTo("from web.config|from web.config");
        // The other app never noticed: the same incarnation serves it.
        assertThat(hosted.get("/other/loader").bodyText()).isEqualTo(other);
        assertThat(log()).containsPattern("Event 10(11|35): Application '[^']*war' has exited: System\\.exit\\(3\\) "
                        + "was called at dev\\.porter\\.samples\\.war\\.ExitServlet\\.doGet\\(ExitServlet\\.java:\\d+\\)"
                        + ", exit code = '3'")
                .containsPattern("Application '[^']*war' failed and was retired; this request starts it again in a "
                        + "fresh app domain\\.");
        // Porter's own log outlived the stopped WAR (Logback's initializer must not reach Porter's LoggerContext).
        assertThat(hosted.events().events(1032)).filteredOn(m -> m.contains("/war'")).hasSize(2);
    }

    /**
     * A WAR whose {@code ServletContextListener} calls {@code System.exit} during its deployment: the request gets
     * 500.30, the log names the call, and the app's class loader is closed (a closed loader finds none of the app's
     * resources; an open one would keep the WAR's files open until it is collected). The other app goes on.
     */
    @Test
    void aWarThatExitsDuringItsStartHasItsClassLoaderClosed() throws Exception {
        Path appDir = dir.resolve("exiting");
        Path site = WarInProcessTest.explode(appDir.resolve("site"));
        Files.writeString(site.resolve("WEB-INF/exit-on-start"), "5");
        TestApps.writeWebConfig(appDir, Map.of("processPath", "java", "arguments", "-war site",
                "hostingModel", "inprocess"), Map.of());
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/exiting", appDir);
        apps.put("/war", war("war", Map.of()));
        hosted.start(TestApps.server(apps));
        System.getProperties().remove("porter.sample.loader");

        RawHttp.Response r = hosted.get("/exiting/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.30");
        @SuppressWarnings("unchecked")
        WeakReference<ClassLoader> published =
                (WeakReference<ClassLoader>) System.getProperties().remove("porter.sample.loader");
        assertThat(published).as("the listener ran in the app and published its loader").isNotNull();
        ClassLoader loader = published.get();
        assertThat(loader).isNotNull();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> loader.getResource("dev/porter/samples/war/HelloServlet.class") == null);
        assertThat(hosted.get("/war/hello").bodyText()).isEqualTo("hello from a WAR");
        assertThat(log()).containsPattern("Event 1011: Application '[^']*exiting' has exited: System\\.exit\\(5\\) "
                + "was called at dev\\.porter\\.samples\\.war\\.StartupListener\\.contextInitialized");
    }

    @Test
    void aSpringBootAppSeesItsOwnEnvironmentAndItsSystemExitStopsOnlyThatApp() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/boot", boot("boot", Map.of("PORTER_DOMAIN_TEST", "from web.config")));
        apps.put("/war", war("war", Map.of()));
        hosted.start(TestApps.server(apps));

        RawHttp.Response env = hosted.get("/boot/env?name=PORTER_DOMAIN_TEST");
        assertThat(env.status()).as(env.bodyText()).isEqualTo(200);
        assertThat(env.bodyText()).isEqualTo("from web.config|from web.config");
        assertThat(hosted.get("/war/env?name=PORTER_DOMAIN_TEST").bodyText()).isEqualTo("null|null");

        String first = SpringBootInProcessTest.instance(hosted.get("/boot/info").bodyText());
        String war = hosted.get("/war/loader").bodyText();
        RawHttp.Response exiting = hosted.get("/boot/exit?status=4");
        assertThat(exiting.status()).as(exiting.bodyText()).isEqualTo(500);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            RawHttp.Response r = hosted.get("/boot/info");
            statuses.add(r.status());
            return r.status() == 200 && !SpringBootInProcessTest.instance(r.bodyText()).equals(first);
        });
        assertThat(statuses).containsOnly(200);
        assertThat(hosted.get("/boot/hello").bodyText()).isEqualTo("hello from Spring Boot");
        assertThat(hosted.get("/war/loader").bodyText()).isEqualTo(war);
        assertThat(hosted.get("/war/hello").bodyText()).isEqualTo("hello from a WAR");
        assertThat(log()).containsPattern("Event 10(11|35): Application '[^']*boot' has exited: System\\.exit\\(4\\) "
                        + "was called at dev\\.porter\\.samples\\.springboot\\.ProcessController\\.exit"
                        + "\\(ProcessController\\.java:\\d+\\), exit code = '4'")
                .containsPattern("Application '[^']*boot' failed and was retired; this request starts it again");
    }
}
