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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-process applications as the admin endpoint shows them: served by Porter's own process (its pid), memory not
 * attributable (NaN in /metrics), and a failed start (500.30) as the last failure with the exception.
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
                + porter.adminAddress().getPort() + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
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
