package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spring Boot 4.0.7 executable jar (samples/spring-boot, built in this reactor with porter-spring-boot) run
 * in-process by the real Porter: Porter reads the jar, runs its main, and Boot's DispatcherServlet serves from Porter's
 * Servlet host.
 */
class SpringBootInProcessTest {

    static final Path SAMPLE_JAR = Path.of(System.getProperty("porter.sample.boot",
            "../samples/spring-boot/target/spring-boot.jar"));

    static final Path SAMPLE_JAR3 = Path.of(System.getProperty("porter.sample.boot3",
            "../samples/spring-boot3/target/spring-boot3.jar"));

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp(120_000);

    Path app(String name, Path jar) throws IOException {
        return ServletApps.inProcess(dir, name, jar, Map.of("ASPNETCORE_ENVIRONMENT", "Development"));
    }

    RawHttp.Response send(String request) throws IOException {
        try (RawHttp http = new RawHttp("127.0.0.1", hosted.porter().port(), 120_000)) {
            return http.exchange(request);
        }
    }

    @Test
    void servesASpringBootJarInProcess() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        Path boot = app("boot", SAMPLE_JAR);
        apps.put("/boot", boot);
        hosted.start(TestApps.server(apps));

        RawHttp.Response hello = hosted.get("/boot/hello");
        assertThat(hello.status()).as(hello.bodyText()).isEqualTo(200);
        assertThat(hello.bodyText()).isEqualTo("hello from Spring Boot");
        assertThat(hosted.get("/boot/greet?name=porter").bodyText()).isEqualTo("{\"greeting\":\"hello, porter\"}");
        String json = "{\"a\":1,\"b\":\"two\"}";
        RawHttp.Response echo = send("POST /boot/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + json.length() + "\r\n\r\n" + json);
        assertThat(echo.status()).isEqualTo(200);
        assertThat(echo.bodyText()).isEqualTo("{\"received\":{\"a\":1,\"b\":\"two\"}}");
        assertThat(hosted.get("/boot/info").bodyText()).contains("\"contextPath\":\"/boot\"",
                "\"servletPath\":\"/info\"",
                "\"remoteAddr\":\"127.0.0.1\"", "jetty");

        RawHttp.Response boom = hosted.get("/boot/boom");
        assertThat(boom.status()).isEqualTo(500);
        assertThat(boom.bodyText()).contains("\"status\":500", "\"path\":\"/boot/boom\""); // Boot's /error, as JSON
        RawHttp.Response missing = hosted.get("/boot/nothing");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.bodyText()).contains("\"status\":404");

        // web.config change: a new incarnation (a new class loader, main run again) serves
        String first = instance(hosted.get("/boot/info").bodyText());
        Path webConfig = boot.resolve("web.config");
        Files.writeString(webConfig, Files.readString(webConfig) + "\n<!-- changed -->\n");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> !instance(hosted.get("/boot/info").bodyText()).equals(first));
        assertThat(hosted.get("/boot/hello").bodyText()).isEqualTo("hello from Spring Boot");
    }

    /** An app that closes its own context answers 500.30 until it is recycled, and then serves again. */
    @Test
    void anAppThatStopsItselfAnswers500Point30UntilRecycled() throws Exception {
        Path boot = app("self-stopping", SAMPLE_JAR);
        hosted.start(TestApps.server(Map.of("/", boot)));
        assertThat(hosted.get("/close").bodyText()).isEqualTo("closing");
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.get("/hello").status() == 500);
        assertThat(hosted.get("/hello").bodyText()).contains("HTTP Error 500.30", "stopped its web server");
        Path webConfig = boot.resolve("web.config");
        Files.writeString(webConfig, Files.readString(webConfig) + "\n<!-- recycle -->\n");
        await().atMost(Duration.ofSeconds(90)).until(() -> hosted.get("/hello").status() == 200);
    }

    /** web.config's environmentVariables configure the Boot app in-process, the context path included. */
    @Test
    void webConfigEnvironmentVariablesConfigureTheApp() throws Exception {
        Path boot = app("configured", SAMPLE_JAR);
        TestApps.writeWebConfig(boot, Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess", "startupTimeLimit", "120"), Map.of("PORTER_SAMPLE_GREETING",
                "from web.config", "SERVER_SERVLET_CONTEXT_PATH", "/api"));
        hosted.start(TestApps.server(Map.of("/boot", boot)));
        RawHttp.Response configured = hosted.get("/boot/api/configured");
        assertThat(configured.status()).as(configured.bodyText()).isEqualTo(200);
        assertThat(configured.bodyText()).isEqualTo("from web.config");
        assertThat(hosted.get("/boot/api/info").bodyText()).contains("\"contextPath\":\"/boot/api\"");
        assertThat(hosted.get("/boot/configured").status()).isEqualTo(404); // outside the context path
    }

    /**
     * A recycled Spring Boot app leaves nothing behind: its class loader is collected. (It used to stay reachable: the
     * logging system's shutdown handler made Spring Boot register a JVM shutdown hook — a thread whose context class
     * loader is the app's — even with {@code spring.main.register-shutdown-hook=false}; in the app's domain
     * {@code Runtime.addShutdownHook} is the domain's, run and dropped when the app stops.)
     */
    @Test
    void aRecycledSpringBootAppsClassLoaderIsCollected() throws Exception {
        Path boot = app("collected", SAMPLE_JAR);
        hosted.start(TestApps.server(Map.of("/", boot)));
        RawHttp.Response published = hosted.get("/loader");
        assertThat(published.status()).as(published.bodyText()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        java.lang.ref.WeakReference<ClassLoader> loader = (java.lang.ref.WeakReference<ClassLoader>) System
                .getProperties().remove("porter.sample.boot.loader");
        assertThat(loader.get()).isNotNull();
        String first = instance(hosted.get("/info").bodyText());
        Path webConfig = boot.resolve("web.config");
        Files.writeString(webConfig, Files.readString(webConfig) + "\n<!-- changed -->\n");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> !instance(hosted.get("/info").bodyText()).equals(first));
        assertThat(hosted.get("/hello").bodyText()).isEqualTo("hello from Spring Boot");
        // GC is only asked for: a loop, with a guard far beyond what a collection takes.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            System.gc();
            return loader.get() == null;
        });
    }

    static String instance(String infoJson) {
        int i = infoJson.indexOf("\"instance\":\"");
        return i < 0 ? "" : infoJson.substring(i + 12, infoJson.indexOf('"', i + 12));
    }

    /**
     * The parity check: the same jar in-process (Porter's Jetty) and out-of-process (the app's own Tomcat behind
     * Porter, bound to ASPNETCORE_PORT by the starter, with the integration filter) gives the same status and body,
     * Boot's /error JSON included (its timestamp aside), and the same context path under a virtual path.
     */
    @Test
    void theSameJarAnswersTheSameInProcessAndOutOfProcess() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/in", app("in", SAMPLE_JAR));
        Path out = app("out", SAMPLE_JAR);
        TestApps.writeWebConfig(out, Map.of("processPath", TestApps.javaExecutable(), "arguments", "-jar app.jar",
                "hostingModel", "outofprocess", "startupTimeLimit", "120"), Map.of());
        apps.put("/out", out);
        hosted.start(TestApps.server(apps));
        String json = "{\"a\":[1,2],\"b\":\"two\"}";
        for (String request : new String[] {"GET /%s/hello HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /%s/greet?name=porter HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /%s/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + json.length() + "\r\n\r\n" + json,
                "GET /%s/boom HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /%s/nothing HTTP/1.1\r\nHost: x\r\n\r\n"}) {
            RawHttp.Response in = send(request.formatted("in"));
            RawHttp.Response outOfProcess = send(request.formatted("out"));
            assertThat(in.status()).as(request).isEqualTo(outOfProcess.status());
            assertThat(comparable(in.bodyText(), "in")).as(request)
                    .isEqualTo(comparable(outOfProcess.bodyText(), "out"));
            // Jetty spells the charset utf-8, Tomcat UTF-8: the same value (charset names are case-insensitive)
            assertThat(in.header("Content-Type").orElseThrow()).as(request)
                    .isEqualToIgnoringCase(outOfProcess.header("Content-Type").orElseThrow());
        }
        assertThat(hosted.get("/in/info").bodyText()).contains("\"contextPath\":\"/in\"", "jetty");
        assertThat(hosted.get("/out/info").bodyText()).contains("\"contextPath\":\"/out\"", "Tomcat");
    }

    /**
     * Spring Boot 3.5 (porter-spring-boot3, Spring 6.2 on Servlet 6.1) in-process beside a Boot 4 app (Spring 7) in one
     * Porter, each in its own loader; and the Boot 3 jar out-of-process answers the same.
     */
    @Test
    void springBoot3AndSpringBoot4ServeSideBySide() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/b4", app("b4", SAMPLE_JAR));
        apps.put("/b3", app("b3", SAMPLE_JAR3));
        // Each in its own app domain: its own environment.
        TestApps.writeWebConfig(apps.get("/b4"), Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess", "startupTimeLimit", "120"), Map.of("PORTER_SIDE", "four"));
        TestApps.writeWebConfig(apps.get("/b3"), Map.of("processPath", "java", "arguments", "-jar app.jar",
                "hostingModel", "inprocess", "startupTimeLimit", "120"), Map.of("PORTER_SIDE", "three"));
        Path out = app("b3out", SAMPLE_JAR3);
        TestApps.writeWebConfig(out, Map.of("processPath", TestApps.javaExecutable(), "arguments", "-jar app.jar",
                "hostingModel", "outofprocess", "startupTimeLimit", "120"), Map.of());
        apps.put("/b3out", out);
        hosted.start(TestApps.server(apps));
        assertThat(hosted.get("/b4/hello").bodyText()).isEqualTo("hello from Spring Boot");
        RawHttp.Response hello3 = hosted.get("/b3/hello");
        assertThat(hello3.status()).as(hello3.bodyText()).isEqualTo(200);
        assertThat(hello3.bodyText()).isEqualTo("hello from Spring Boot 3");
        assertThat(hosted.get("/b3/info").bodyText()).contains("\"contextPath\":\"/b3\"", "jetty");
        for (String path : new String[] {"/hello", "/greet?name=porter", "/boom", "/nothing"}) {
            RawHttp.Response in = hosted.get("/b3" + path);
            RawHttp.Response outOfProcess = hosted.get("/b3out" + path);
            assertThat(in.status()).as(path).isEqualTo(outOfProcess.status());
            assertThat(comparable(in.bodyText(), "b3")).as(path).isEqualTo(comparable(outOfProcess.bodyText(), "b3out"));
        }
        assertThat(hosted.get("/b4/greet?name=four").bodyText()).isEqualTo("{\"greeting\":\"hello, four\"}");
        assertThat(hosted.get("/b4/env?name=PORTER_SIDE").bodyText()).isEqualTo("four|four");
        assertThat(hosted.get("/b3/env?name=PORTER_SIDE").bodyText()).isEqualTo("three|three");
        // One exits: the other never notices; the next request starts the one that exited again.
        String four = instance(hosted.get("/b4/info").bodyText());
        assertThat(hosted.get("/b3/exit?status=2").status()).isEqualTo(500);
        assertThat(instance(hosted.get("/b4/info").bodyText())).isEqualTo(four);
        RawHttp.Response again = hosted.get("/b3/hello");
        assertThat(again.status()).as(again.bodyText()).isEqualTo(200);
        assertThat(again.bodyText()).isEqualTo("hello from Spring Boot 3");
    }

    /** A body with what legitimately differs removed: Boot's error timestamp, and the virtual path. */
    static String comparable(String body, String virtualPath) {
        return body.replaceAll("\"timestamp\":\"[^\"]*\"", "\"timestamp\":\"-\"").replace("/" + virtualPath + "/", "/app/");
    }

    @Test
    void aBootJarWithoutTheStarterIs500Point30InOneSentence() throws Exception {
        Path stripped = dir.resolve("no-starter.jar");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(SAMPLE_JAR));
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(stripped))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().contains("porter-")) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
        }
        hosted.start(TestApps.server(Map.of("/", app("plain", stripped))));
        RawHttp.Response r = hosted.get("/hello");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).contains("HTTP Error 500.30")
                .contains("is a Spring Boot jar without Porter&#39;s starter: add the dependency "
                        + "dev.porter:porter-spring-boot")
                .doesNotContain("nested:");
    }
}
