package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.AdministrationConfig;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-process applications as the admin endpoint shows them: served by Porter's own process (its pid), memory not
 * attributable (NaN in /metrics), and a failed start (500.30) as the last failure with the exception; and their stdout
 * logs pruned as out-of-process ones are (handlerSettings stdoutLogMaxFiles).
 */
class InProcessStatusTest {

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
    }

    private Path app(String name, String arguments) {
        Path appDir = dir.resolve(name);
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", "java");
        attributes.put("arguments", arguments);
        attributes.put("hostingModel", "inprocess");
        TestApps.writeWebConfig(appDir, attributes, Map.of());
        return appDir;
    }

    private String admin(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + porter.adminAddress().orElseThrow().getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void oldStdoutLogsArePrunedWhenAnInProcessAppOpensItsLog() throws Exception {
        Path appDir = dir.resolve("logged");
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        Files.createDirectories(appDir.resolve("logs"));
        for (int i = 0; i < 4; i++) {
            Path old = appDir.resolve("logs/stdout_2026010100000" + i + "_4242.log");
            Files.writeString(old, "old run " + i);
            Files.setLastModifiedTime(old, FileTime.from(
                    Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)));
        }
        Files.writeString(appDir.resolve("web.config"), "<configuration><system.webServer>"
                + "<aspNetCore processPath=\"java\" arguments=\"-jar app.jar\" hostingModel=\"inprocess\" "
                + "stdoutLogEnabled=\"true\" stdoutLogFile=\".\\logs\\stdout\"><handlerSettings>"
                + "<handlerSetting name=\"stdoutLogMaxFiles\" value=\"2\" /></handlerSettings></aspNetCore>"
                + "</system.webServer></configuration>");
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        try (RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(200);
        }
        try (Stream<Path> files = Files.list(appDir.resolve("logs"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(2).contains("stdout_20260101000003_4242.log")
                    .noneMatch(n -> n.startsWith("stdout_2026010100000") && !n.endsWith("3_4242.log"));
        }
    }

    @Test
    void aRunningAppIsPortersOwnProcessAndAFailedOneShowsWhy() throws Exception {
        porter = Porter.start(TestApps.server(Map.of("/", app("ok", "-jar app.jar"),
                "/broken", app("broken", "-jar app.jar throw"))), ServerEnvironment.ofSystem(),
                HostingModels.defaults(), AdministrationConfig.loopback(0, "test"));
        try (RawHttp http = new RawHttp(porter.port())) {
            assertThat(http.exchange("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(200);
            assertThat(http.exchange("GET /broken/hello HTTP/1.1\r\nHost: localhost\r\n\r\n").status())
                    .isEqualTo(500);
        }
        String status = admin("/api/status");
        long self = ProcessHandle.current().pid();
        assertThat(status).contains("\"path\":\"/\",\"name\"", "\"hostingModel\":\"inprocess\"",
                "\"state\":\"running\",\"processIds\":[" + self + "]");
        assertThat(status).contains("\"state\":\"failed\"", "500.30", "The app refuses to start");
        assertThat(admin("/metrics"))
                .contains("porter_app_process_memory_bytes{app=\"/\",site=\"Default Web Site\"} NaN")
                .contains("porter_app_start_failures_total{app=\"/broken\",site=\"Default Web Site\"} 1.0")
                .contains("porter_requests_total{app=\"/broken\",site=\"Default Web Site\",status=\"5xx\"} 1.0");
    }
}
