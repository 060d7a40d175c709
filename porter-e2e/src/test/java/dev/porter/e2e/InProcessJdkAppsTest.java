package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.EventLog;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: apps from Maven Central, written as their documentation says, hosted in-process by the real Porter —
 * Jersey 3.1's {@code JdkHttpServerFactory}, a fixed-pool JDK app, Avaje Jex, and Javalin (the misfit) — with the
 * recovery after a failure, the rapid-fail stop, the hung stop and the closed port. The apps are the packaged jars of
 * {@code porter-testapps/*} (built before this module), with their {@code lib/} from Maven Central.
 */
class InProcessJdkAppsTest {

    /** A cold first request loads Jersey or Jetty: generous on a loaded machine. */
    private static final int TIMEOUT_MILLIS = 60_000;

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

    @Test
    void jerseysFactoryAFixedPoolAppAndJexRunInProcessUnchanged() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/jersey", appDir("jersey-jdk", "inprocess", Map.of()));
        apps.put("/fixed", appDir("fixed-pool", "inprocess", Map.of()));
        apps.put("/jex", appDir("jex", "inprocess", Map.of()));
        porter = Porter.start(TestApps.server(apps));

        assertThat(get("/jersey/hello").bodyText()).isEqualTo("hello from jersey");
        assertThat(get("/fixed/hello").bodyText()).isEqualTo("hello from a fixed pool");
        assertThat(get("/jex/hello").bodyText()).isEqualTo("hello from jex");
        // Blocking reads and writes on the apps' own platform threads: allowed by default.
        assertThat(get("/jersey/thread").bodyText()).isEqualTo("virtual=false");
        assertThat(get("/fixed/thread").bodyText()).startsWith("pool-").endsWith("virtual=false");
        String body = "x".repeat(100_000);
        assertThat(post("/jersey/echo", body).bodyText()).isEqualTo(body);
        assertThat(post("/fixed/echo", body).bodyText()).isEqualTo(body);
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("porter-testapps")))
                .as("in-process: no child process").isEmpty();
    }

    @Test
    void afterTheAppExitsOrStopsItsServerTheNextRequestStartsItAgain() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/jersey", appDir("jersey-jdk", "inprocess", Map.of()));
        apps.put("/fixed", appDir("fixed-pool", "inprocess", Map.of()));
        porter = Porter.start(TestApps.server(apps));
        assertThat(get("/jersey/hello").status()).isEqualTo(200);
        assertThat(get("/fixed/hello").status()).isEqualTo(200);

        assertThat(get("/jersey/exit").bodyText()).isEqualTo("exiting");
        await().atMost(Duration.ofSeconds(60)).until(() -> events.messages().stream()
                .anyMatch(m -> m.contains("System.exit(3) was called at dev.porter.testapps.jerseyjdk.JerseyJdkApp")));
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/jersey/hello").status() == 200);

        assertThat(get("/fixed/stop").bodyText()).isEqualTo("stopping");
        await().atMost(Duration.ofSeconds(60)).until(() -> events.messages().stream()
                .anyMatch(m -> m.contains("stopped its HttpServer")));
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/fixed/hello").status() == 200);
        assertThat(events.events(1032)).hasSize(4); // each app started twice
    }

    @Test
    void aHungStopIsLogged1005AndTheOtherAppsKeepServing() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        Path fixed = appDir("fixed-pool", "inprocess", Map.of("shutdownTimeLimit", "1"));
        apps.put("/fixed", fixed);
        apps.put("/jersey", appDir("jersey-jdk", "inprocess", Map.of()));
        porter = Porter.start(TestApps.server(apps));
        assertThat(get("/jersey/hello").status()).isEqualTo(200);
        assertThat(get("/fixed/hang-on-stop").bodyText()).isEqualTo("hook added");
        String thread = get("/fixed/thread").bodyText(); // "pool-N-thread-M virtual=false"
        String pool = thread.substring(0, thread.indexOf("-thread-") + "-thread-".length());

        writeWebConfig(fixed, "fixed-pool", "inprocess", Map.of("shutdownTimeLimit", "1", "stdoutLogEnabled", "false"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !events.events(1005).isEmpty());
        assertThat(events.events(1005)).singleElement().asString().contains("/fixed'");
        assertThat(events.events(1033)).noneMatch(m -> m.contains("/fixed'"));
        assertThat(get("/jersey/hello").bodyText()).isEqualTo("hello from jersey");
        await().atMost(Duration.ofSeconds(60)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("fixed-pool-hung-hook") && t.isAlive()));
        assertThat(get("/fixed/hello").bodyText()).isEqualTo("hello from a fixed pool");
        // The retired app's fixed pool (which the app never shuts down) does not outlive its domain.
        await().atMost(Duration.ofSeconds(60)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith(pool) && t.isAlive()));
    }

    @Test
    void javalinIsNamedAsAMisfitItsPortIsClosedAndItRunsOutOfProcess() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        // Out-of-process Porter forwards the full path; Javalin (no integration library) serves at /.
        apps.put("/", appDir("javalin", "outofprocess", Map.of()));
        apps.put("/inproc", appDir("javalin", "inprocess", Map.of()));
        porter = Porter.start(TestApps.server(apps));

        RawHttp.Response misfit = get("/inproc/hello");
        assertThat(misfit.status()).isEqualTo(500);
        Matcher named = Pattern.compile("the app opened its own server on 127\\.0\\.0\\.1:(\\d+); it needs "
                + "hostingModel=&quot;outofprocess&quot;", Pattern.CASE_INSENSITIVE).matcher(misfit.bodyText());
        assertThat(named.find()).as(misfit.bodyText()).isTrue();
        assertThat(misfit.bodyText()).contains("HTTP Error 500.30").doesNotContain("Program.Main");
        int port = Integer.parseInt(named.group(1));
        assertThat(events.messages()).anyMatch(m -> m.contains("the app opened its own server on 127.0.0.1:" + port
                + "; it needs hostingModel=\"outofprocess\"") && m.contains("org.eclipse.jetty"));
        // The retired domain's Jetty no longer listens inside Porter's JVM.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                        .isInstanceOf(ConnectException.class));
        // The advice holds: the same jar out-of-process.
        assertThat(get("/hello").bodyText()).isEqualTo("hello from javalin");
    }

    @Test
    void aMisfitThatKeepsFailingIsStoppedByRapidFailProtection() throws Exception {
        Path javalin = appDir("javalin", "inprocess", Map.of());
        Files.writeString(javalin.resolve("web.config"), Files.readString(javalin.resolve("web.config"))
                .replace("</aspNetCore>", "<handlerSettings><handlerSetting name=\"rapidFailProtectionMaxCrashes\" "
                        + "value=\"3\"/></handlerSettings></aspNetCore>"));
        porter = Porter.start(TestApps.server(Map.of("/", javalin)));
        // Each request after a retired failure starts Javalin again; requests meanwhile get the 500.30 page.
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            RawHttp.Response r = get("/hello");
            assertThat(r.status()).isIn(500, 503);
            return r.status() == 503;
        });
        assertThat(get("/hello").bodyText()).contains("Service Unavailable");
        assertThat(events.events(5002)).singleElement().asString().contains("3 within 300 s");
        assertThat(events.messages().stream().filter(m -> m.contains("opened its own server")).count())
                .isEqualTo(3);
        assertThat(events.messages()).noneMatch(m -> m.contains("Address already in use"));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private RawHttp.Response get(String path) throws IOException {
        return RawHttp.get(porter.port(), path, TIMEOUT_MILLIS);
    }

    private RawHttp.Response post(String path, String body) throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), TIMEOUT_MILLIS)) {
            return http.exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        }
    }

    /** A directory of its own for one app, whose web.config runs the packaged test app jar. */
    private Path appDir(String app, String hostingModel, Map<String, String> attributes) throws IOException {
        Path jar = testApps().resolve(app).resolve("target").resolve(app + ".jar");
        assertThat(jar).as("the packaged test app (mvn verify packages it before this module)").exists();
        Path appDir = Files.createDirectories(dir.resolve(app + "-" + hostingModel));
        writeWebConfig(appDir, app, hostingModel, attributes);
        return appDir;
    }

    private static void writeWebConfig(Path appDir, String app, String hostingModel, Map<String, String> attributes) {
        Path jar = testApps().resolve(app).resolve("target").resolve(app + ".jar");
        Map<String, String> all = new LinkedHashMap<>();
        all.put("processPath", "java");
        all.put("arguments", "-jar " + jar);
        all.put("hostingModel", hostingModel);
        all.putAll(attributes);
        TestApps.writeWebConfig(appDir, all, Map.of());
    }

    private static Path testApps() {
        return Path.of(System.getProperty("porter.testapps")).toAbsolutePath().normalize();
    }
}
