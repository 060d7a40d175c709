package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Hosting any framework" rows, each a real framework with no Porter code, run behind Porter
 * out-of-process as the table says: under the sub-application {@code /shop} of a TLS site, with
 * {@code forwardedHeaders="standard"} (Helidon: {@code rfc7239}, see its test). Each app answers {@code /shop/whoami} with what the request looks like to it:
 * the client's own address (the test connects from 127.0.0.5) though the client sends a forged
 * {@code X-Forwarded-For}, scheme https, the host and port the client used, the path base, and the absolute link the
 * framework builds. Spring Boot's row is {@link SpringBootForwardedHeadersTest}.
 *
 * <p>Python (Flask) and Node (express) come from the machine: {@code samples/frameworks/setup} installs them (CI runs
 * it); without them those tests are skipped, saying so.
 */
class FrameworksBehindPorterTest {

    @TempDir
    Path dir;

    private Porter porter;
    private HttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (porter != null) {
            porter.stop();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .noneMatch(p -> p.info().commandLine().orElse("").contains("/samples/frameworks/")));
    }

    private static Path samples() {
        return Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize().resolve("frameworks");
    }

    /** Serves {@code /shop} from a web.config running {@code processPath arguments}; returns what /whoami said. */
    private Map<String, String> whoami(String processPath, String arguments) throws Exception {
        return whoami(processPath, arguments, "standard");
    }

    private Map<String, String> whoami(String processPath, String arguments, String forwardedHeaders)
            throws Exception {
        Path app = Files.createDirectories(dir.resolve("shop"));
        TestApps.write(app.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="%s" arguments="%s" hostingModel="OutOfProcess">
                      <handlerSettings>
                        <handlerSetting name="forwardedHeaders" value="%s" />
                      </handlerSettings>
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """.formatted(processPath, arguments, forwardedHeaders));
        TestPki pki = new TestPki();
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/shop", app)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS));
        client = HttpClient.newBuilder().sslContext(pki.clientContext(null))
                .localAddress(InetAddress.getByName("127.0.0.5")).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base() + "/shop/whoami"))
                .header("X-Forwarded-For", "6.6.6.6").header("X-Forwarded-Proto", "http")
                .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Port", "1")
                .header("Forwarded", "for=6.6.6.6;host=evil.example")
                .timeout(Duration.ofMinutes(3)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, String> seen = new LinkedHashMap<>();
        response.body().lines().filter(l -> l.contains("=")).forEach(l -> seen.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        return seen;
    }

    private String base() {
        return "https://localhost:" + porter.securePort();
    }

    @Test
    void javalin() throws Exception {
        Path jar = samples().resolve("javalin/target/javalin-app.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Map<String, String> seen = whoami("java", "-XX:TieredStopAtLevel=1 -jar " + jar);
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("serverName", "localhost")
                .containsEntry("serverPort", Integer.toString(porter.securePort()))
                .containsEntry("contextPath", "/shop")
                .containsEntry("requestURL", base() + "/shop/whoami");
    }

    @Test
    void vertxWeb() throws Exception {
        Path jar = samples().resolve("vertx/target/vertx-app.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Map<String, String> seen = whoami("java", "-XX:TieredStopAtLevel=1 -jar " + jar);
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("host", "localhost:" + porter.securePort())
                .containsEntry("contextPath", "/shop")
                .containsEntry("link", base() + "/shop/whoami");
    }

    @Test
    void quarkus() throws Exception {
        Path jar = samples().resolve("quarkus/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Map<String, String> seen = whoami("java", "-XX:TieredStopAtLevel=1 -jar " + jar);
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("host", "localhost:" + porter.securePort())
                .containsEntry("contextPath", "/shop/")
                .containsEntry("link", base() + "/shop/whoami");
    }

    @Test
    void micronaut() throws Exception {
        Path jar = samples().resolve("micronaut/target/micronaut-app.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Map<String, String> seen = whoami("java", "-XX:TieredStopAtLevel=1 -jar " + jar);
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("host", base())
                .containsEntry("contextPath", "/shop")
                .containsEntry("link", base() + "/shop/whoami");
    }

    @Test
    void helidonSe() throws Exception {
        Path jar = samples().resolve("helidon/target/helidon-app.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Map<String, String> seen = whoami("java", "-XX:TieredStopAtLevel=1 -jar " + jar, "rfc7239");
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("host", "localhost:" + porter.securePort())
                .containsEntry("contextPath", "/shop")
                .containsEntry("link", base() + "/shop/whoami");
    }

    @Test
    void pythonFlask() throws Exception {
        Assumptions.assumeTrue(runs("python3", "-c", "import flask"),
                "python3 with Flask is not installed here: run samples/frameworks/setup");
        Map<String, String> seen = whoami("python3", samples().resolve("python/app.py").toString());
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("host", "localhost:" + porter.securePort())
                .containsEntry("contextPath", "/shop")
                .containsEntry("link", base() + "/shop/whoami");
    }

    @Test
    void nodeExpress() throws Exception {
        Path express = samples().resolve("express");
        Assumptions.assumeTrue(runs("node", "--version") && Files.isDirectory(express.resolve("node_modules/express")),
                "node and the express sample's packages are not installed here: run samples/frameworks/setup");
        Map<String, String> seen = whoami("node", express.resolve("server.js").toString());
        assertThat(seen)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("host", "localhost:" + porter.securePort())
                .containsEntry("contextPath", "/shop")
                .containsEntry("link", base() + "/shop/whoami");
    }

    /** Whether the command exits 0 within a minute (a tool or module the machine may lack). */
    private static boolean runs(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(1, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }
}
