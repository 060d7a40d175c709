package dev.porter.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.porter.Porter;
import dev.porter.config.AdministrationConfig;
import dev.porter.config.AdministrationConfigParser;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint end to end: a real Porter with an out-of-process TestBackend and the admin listener on an
 * OS-chosen loopback port, read with the JDK's HTTP client as a browser, Prometheus or a load balancer would.
 */
class AdminEndpointTest {

    private final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Porter porter;

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            threads.close();
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    private Path app(String name) {
        Path app = dir.resolve(name);
        TestApps.writeWebConfig(app, Backends.attributes(List.of()), Map.of());
        return app;
    }

    private void start(AdministrationConfig admin, Map<String, Path> apps) throws IOException {
        porter = Porter.start(TestApps.server(apps), ServerEnvironment.ofSystem(), HostingModels.defaults(), admin);
    }

    private HttpResponse<String> admin(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + porter.adminAddress().orElseThrow().getPort() + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long pidOf(String status, int app) {
        Matcher m = Pattern.compile("\"id\":" + app + ",.*?\"processIds\":\\[(\\d+)").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void metricsCountRequestsByApplicationAndStatusClassAndPassPromtool() throws Exception {
        start(AdministrationConfig.loopback(0, "test"), Map.of("/", app("root"), "/api", app("api")));
        for (int i = 0; i < 3; i++) {
            assertThat(Backends.get(porter.port(), "/pid").status()).isEqualTo(200);
        }
        assertThat(Backends.get(porter.port(), "/api/env/PORTER_NO_SUCH_VARIABLE").status()).isEqualTo(404);
        assertThat(Backends.get(porter.port(), "/%zz").status()).isEqualTo(400); // refused before routing

        HttpResponse<String> metrics = admin("GET", "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String text = metrics.body();
        assertThat(text).contains("porter_requests_total{app=\"/\",site=\"Default Web Site\",status=\"2xx\"} 3.0");
        assertThat(text).contains("porter_requests_total{app=\"/api\",site=\"Default Web Site\",status=\"4xx\"} 1.0");
        assertThat(text).contains("porter_requests_rejected_total{status=\"400\"} 1.0");
        assertThat(text).containsPattern("porter_request_duration_seconds_bucket\\{app=\"/\",site=\"Default Web "
                + "Site\",le=\"[^\"]+\"\\} 3");
        assertThat(text).contains("porter_requests_in_flight{app=\"/\",site=\"Default Web Site\"} 0");
        assertThat(text).contains("porter_app_process_starts_total{app=\"/\",site=\"Default Web Site\"} 1.0");
        assertThat(text).contains("porter_app_start_failures_total{app=\"/\",site=\"Default Web Site\"} 0.0");
        assertThat(text).containsPattern("porter_app_process_memory_bytes\\{app=\"/\",site=\"Default Web Site\"\\} "
                + "[1-9]");
        assertThat(text).contains("jvm_memory_used_bytes").contains("process_uptime_seconds");

        Path promtool = Path.of("/usr/bin/promtool");
        assumeTrue(Files.isExecutable(promtool), "promtool (Debian's prometheus package, installed by .ci/run) is "
                + "not installed: the exposition format is not checked here");
        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, text);
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .redirectInput(file.toFile()).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("promtool check metrics said:\n" + output).isZero();
    }

    @Test
    void statusReportsProcessAndActionsRecycleAndTakeOffline() throws Exception {
        Path app = app("root");
        start(AdministrationConfig.loopback(0, "test"), Map.of("/", app));
        String before = admin("GET", "/api/status").body();
        assertThat(before).contains("\"state\":\"not started\"");
        long pid = Long.parseLong(Backends.get(porter.port(), "/pid").bodyText());
        String status = admin("GET", "/api/status").body();
        assertThat(status).contains("\"state\":\"running\"", "\"hostingModel\":\"outofprocess\"",
                "\"processIds\":[" + pid + "]", "\"restarts\":0");
        assertThat(pidOf(status, 0)).isEqualTo(pid);

        assertThat(admin("POST", "/api/applications/0/recycle").statusCode()).as("no CSRF header").isEqualTo(403);
        HttpResponse<String> recycled = admin("POST", "/api/applications/0/recycle", "X-Porter-Admin", "1");
        assertThat(recycled.statusCode()).isEqualTo(200);
        assertThat(recycled.body()).contains("recycled");
        long next = Long.parseLong(Backends.get(porter.port(), "/pid").bodyText());
        assertThat(next).isNotEqualTo(pid);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin("GET", "/api/status").body())
                .contains("\"processIds\":[" + next + "]", "\"restarts\":1"));

        assertThat(admin("POST", "/api/applications/0/offline", "X-Porter-Admin", "1").statusCode()).isEqualTo(200);
        assertThat(Files.readString(app.resolve("app_offline.htm"))).contains("offline");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(Backends.get(porter.port(), "/pid").status()).isEqualTo(503);
            assertThat(admin("GET", "/api/status").body()).contains("\"state\":\"offline\"");
        });
        assertThat(admin("POST", "/api/applications/0/online", "X-Porter-Admin", "1").body()).contains("removed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Backends.get(porter.port(), "/pid").status()).isEqualTo(200));
        assertThat(admin("POST", "/api/applications/7/recycle", "X-Porter-Admin", "1").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/nothing").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/").body()).contains("<title>Porter status</title>");
        assertThat(admin("GET", "/api/status").body())
                .contains("\"listening\":[\"http://127.0.0.1:" + porter.port() + "\"]");
    }

    @Test
    void aFailedStartIsShownWithItsCapturedOutput() throws Exception {
        Path app = dir.resolve("broken");
        TestApps.writeWebConfig(app, Backends.attributes(List.of("--say=cannot-open-database",
                "--exit-at-start=3")), Map.of());
        start(AdministrationConfig.loopback(0, "test"), Map.of("/", app));
        assertThat(Backends.get(porter.port(), "/").status()).isEqualTo(502);
        String status = admin("GET", "/api/status").body();
        assertThat(status).contains("\"state\":\"failed\"", "\"startFailures\":1", "cannot-open-database");
        assertThat(admin("GET", "/metrics").body())
                .contains("porter_app_start_failures_total{app=\"/\",site=\"Default Web Site\"} 1.0");
    }

    @Test
    void healthIs200WhileServingAnd503FromTheMomentAGracefulStopBegins() throws Exception {
        start(AdministrationConfig.loopback(0, "test"), Map.of("/", app("root")));
        assertThat(Backends.get(porter.port(), "/pid").status()).isEqualTo(200);
        HttpResponse<String> health = admin("GET", "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("serving\n");

        // A request in flight keeps the graceful stop draining; /health must already say 503 meanwhile. Its own
        // threads, not the common pool: on 2 cores that pool has one worker, and the stop would queue behind the
        // blocked request (then /health stayed 200, or the stop ran after it and closed the listener).
        // The request is held until the test releases it, not for a fixed time: with an 8 s sleep a loaded machine
        // could reach the assertions below only after it had ended, and the stop had nothing left to drain.
        Path release = dir.resolve("release");
        CompletableFuture<Integer> slow = threads.supply(() -> Backends.get(porter.port(), "/wait?file="
                + URLEncoder.encode(release.toString(), StandardCharsets.UTF_8)).status());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin("GET", "/metrics").body())
                .contains("porter_requests_in_flight{app=\"/\",site=\"Default Web Site\"} 1"));
        CompletableFuture<Void> stopping = threads.run(porter::stop);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> h = admin("GET", "/health");
            assertThat(h.statusCode()).isEqualTo(503);
            assertThat(h.body()).isEqualTo("stopping\n");
        });
        assertThat(stopping).isNotDone(); // still draining the held request
        // released within the drain time (Porter.DRAIN_TIME, 10 s from the stop), it is answered in full
        Files.writeString(release, "");
        assertThat(slow.get(60, TimeUnit.SECONDS)).isEqualTo(200);
        stopping.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aUserFileProtectsEverythingButHealth() throws Exception {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(5, "s3cret".toCharArray());
        Files.writeString(dir.resolve("admin.htpasswd"), "alice:" + hash + "\n");
        Path xml = dir.resolve("porter.xml");
        Files.writeString(xml, """
                <configuration>
                  <system.applicationHost>
                    <administration bindingInformation="127.0.0.1:0:" userFile="admin.htpasswd" />
                    <sites><site name="s" id="1"><bindings><binding protocol="http" bindingInformation="127.0.0.1:0:"/>
                    </bindings><application path="/"><virtualDirectory path="/" physicalPath="root"/></application>
                    </site></sites>
                  </system.applicationHost>
                </configuration>
                """);
        AdministrationConfig config = new AdministrationConfigParser().parse(xml).orElseThrow();
        start(config, Map.of("/", app("root")));
        assertThat(admin("GET", "/health").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = admin("GET", "/metrics");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic realm=");
        assertThat(admin("GET", "/", "Authorization", basic("alice:wrong")).statusCode()).isEqualTo(401);
        assertThat(admin("GET", "/metrics", "Authorization", basic("alice:s3cret")).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/status", "Authorization", basic("alice:s3cret")).statusCode()).isEqualTo(200);
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

}
