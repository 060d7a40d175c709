package dev.porter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestPki;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #15 item 1, as a Spring Boot user meets it: a plain Spring Boot 4 jar (samples/frameworks/spring-boot, no
 * Porter code) under the sub-application {@code /shop} of a TLS site, out-of-process, with
 * {@code forwardedHeaders="standard"}. With either {@code server.forward-headers-strategy} the app sees the client's
 * own address (the test connects from 127.0.0.5), scheme https, the host and port the client used and the context
 * path; what a client sends as {@code X-Forwarded-*} never wins.
 */
class SpringBootForwardedHeadersTest {

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
                .noneMatch(p -> p.info().commandLine().orElse("").contains("spring-boot-app.jar")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "framework"})
    void theAppSeesTheClientSchemeHostPortAndContextPath(String strategy) throws Exception {
        Path samples = Path.of(System.getProperty("porter.samples")).toAbsolutePath().normalize();
        Path jar = samples.resolve("frameworks/spring-boot/target/spring-boot-app.jar");
        assertThat(jar).as("the packaged sample (mvn verify packages it before this module)").exists();
        Path app = Files.createDirectories(dir.resolve("shop"));
        TestApps.write(app.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java" arguments="-XX:TieredStopAtLevel=1 -jar %s"
                                hostingModel="OutOfProcess" stdoutLogEnabled="false">
                      <environmentVariables>
                        <environmentVariable name="SERVER_FORWARDHEADERSSTRATEGY" value="%s" />
                      </environmentVariables>
                      <handlerSettings>
                        <handlerSetting name="forwardedHeaders" value="standard" />
                      </handlerSettings>
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """.formatted(jar, strategy));
        TestPki pki = new TestPki();
        porter = Porter.start(new ServerConfig(dir.resolve("porter.xml"), List.of(TestPki.site(
                List.of(new ServerConfig.Application("/shop", app)), TestPki.certificate(pki.server("localhost")))),
                RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS));
        client = HttpClient.newBuilder().sslContext(pki.clientContext(null))
                .localAddress(InetAddress.getByName("127.0.0.5")).connectTimeout(Duration.ofSeconds(10)).build();
        String base = "https://localhost:" + porter.securePort();

        HttpResponse<String> spoofed = client.send(HttpRequest.newBuilder(URI.create(base + "/shop/whoami"))
                .header("X-Forwarded-For", "6.6.6.6").header("X-Forwarded-Proto", "http")
                .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Port", "1")
                .header("X-Forwarded-Prefix", "/evil").header("Forwarded", "for=6.6.6.6;host=evil.example")
                .timeout(Duration.ofMinutes(3)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(spoofed.statusCode()).as(spoofed.body()).isEqualTo(200);
        Map<String, String> seen = parse(spoofed.body());
        assertThat(seen).as(strategy)
                .containsEntry("remoteAddr", "127.0.0.5")
                .containsEntry("scheme", "https")
                .containsEntry("secure", "true")
                .containsEntry("serverName", "localhost")
                .containsEntry("serverPort", Integer.toString(porter.securePort()))
                .containsEntry("contextPath", "/shop")
                .containsEntry("requestURL", base + "/shop/whoami")
                .containsEntry("link", base + "/shop/whoami");
    }

    private static Map<String, String> parse(String body) {
        Map<String, String> seen = new LinkedHashMap<>();
        body.lines().filter(l -> l.contains("=")).forEach(l -> seen.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        return seen;
    }
}
