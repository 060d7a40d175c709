package dev.porter.farm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.AdministrationConfig;
import dev.porter.config.ConfigException;
import dev.porter.config.NodeConfig;
import dev.porter.config.NodeConfigParser;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM serving one porter.xml and one application folder (the "share"), each with its own node
 * directory, watching the share by polling as they would on NFS: a deploy to the share (app_offline.htm, a web.config
 * change) reaches both, their access logs stay apart, and a node's drain keeps serving while /health says 503. The
 * real farm (HAProxy, three processes, network namespaces) is {@code FarmIT}.
 */
class SharedConfigurationTest {

    private final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Porter> nodes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        try {
            nodes.forEach(Porter::stop);
        } finally {
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
        threads.close();
    }

    private Path share() throws Exception {
        Path share = dir.resolve("share");
        TestApps.writeWebConfig(share.resolve("app"), Backends.attributes(List.of()), Map.of());
        TestApps.write(share.resolve("porter.xml"), """
                <configuration>
                  <system.applicationHost>
                    <node changePolling="always" pollInterval="200" drainTime="00:00:02" />
                    <sites>
                      <site name="farm" id="1">
                        <bindings><binding protocol="http" bindingInformation="127.0.0.1:0:" /></bindings>
                        <application path="/" physicalPath="app" />
                        <logFile enabled="true" directory="logs" />
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        return share;
    }

    private Porter node(Path share, String name, boolean admin) throws Exception {
        Path file = share.resolve("porter.xml");
        ServerConfig config = new ServerConfigParser().parse(file);
        NodeConfig node = new NodeConfigParser().parse(file, NodeConfig.DEFAULTS)
                .withLocalDirectory(dir.resolve("nodes").resolve(name));
        Porter porter = Porter.start(config, admin ? AdministrationConfig.loopback(0, "test") : null, node);
        nodes.add(porter);
        return porter;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeployToTheShareReachesEveryNodeAndNodeStateStaysApart() throws Exception {
        Path share = share();
        Porter a = node(share, "a", false);
        Porter b = node(share, "b", false);
        String pidA = get(a.port(), "/pid").body();
        String pidB = get(b.port(), "/pid").body();
        assertThat(pidA).isNotEqualTo(pidB); // each node runs its own process of the shared application

        Files.writeString(share.resolve("app/app_offline.htm"), "<h1>Deploying</h1>");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(get(a.port(), "/pid").statusCode()).isEqualTo(503);
            assertThat(get(b.port(), "/pid").body()).contains("Deploying");
        });
        Files.delete(share.resolve("app/app_offline.htm"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(get(a.port(), "/pid").statusCode()).isEqualTo(200);
            assertThat(get(b.port(), "/pid").statusCode()).isEqualTo(200);
        });

        String before = get(a.port(), "/pid").body() + get(b.port(), "/pid").body();
        TestApps.writeWebConfig(share.resolve("app"), Backends.attributes(List.of("--say=v2")), Map.of());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(get(a.port(), "/args").body()).contains("--say=v2");
            assertThat(get(b.port(), "/args").body()).contains("--say=v2");
        });
        assertThat(get(a.port(), "/pid").body() + get(b.port(), "/pid").body()).isNotEqualTo(before);

        // The access logs went to each node's directory, none to the share.
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isDirectory(dir.resolve("nodes/a/logs/W3SVC1"))
                && Files.isDirectory(dir.resolve("nodes/b/logs/W3SVC1")));
        assertThat(share.resolve("logs")).doesNotExist();
        assertThat(dir.resolve("nodes/a/tmp")).isDirectory();
        // Children learn the node directory (for %PORTER_NODE_DIRECTORY% in web.config) and keep temporary files there.
        assertThat(get(a.port(), "/env/PORTER_NODE_DIRECTORY").body()).isEqualTo(dir.resolve("nodes/a").toString());
        assertThat(get(b.port(), "/env/TMPDIR").body()).isEqualTo(dir.resolve("nodes/b/tmp").toString());
    }

    @Test
    void aDrainingNodeSaysUnhealthyAtOnceAndKeepsServingUntilItsDrainTimeIsOver() throws Exception {
        Porter a = node(share(), "a", true);
        int admin = a.adminAddress().orElseThrow().getPort();
        assertThat(get(admin, "/health").statusCode()).isEqualTo(200);
        assertThat(get(a.port(), "/pid").statusCode()).isEqualTo(200);

        CompletableFuture<Void> stopping = threads.run(a::drainThenStop);
        await().atMost(Duration.ofSeconds(10)).until(() -> get(admin, "/health").statusCode() == 503);
        // Still serving: the balancer has not noticed yet, its requests must not fail. (drainTime is 2 s; a request
        // that lands after the drain gets a refused connection, which is what the balancer must have stopped for.)
        HttpResponse<String> during = get(a.port(), "/pid");
        if (!stopping.isDone()) {
            assertThat(during.statusCode()).isEqualTo(200);
        }
        stopping.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(a.isStopping()).isTrue();
    }

    @Test
    void nodeSettingsAreCheckedAndNamed() throws Exception {
        Path file = TestApps.write(dir.resolve("porter.xml"), """
                <configuration>
                  <system.applicationHost>
                    <node changePolling="sometimes" />
                    <sites/>
                  </system.applicationHost>
                </configuration>
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NodeConfigParser().parse(file,
                NodeConfig.DEFAULTS)).isInstanceOf(ConfigException.class).hasMessageContaining("line 3")
                .hasMessageContaining("'changePolling' has invalid value 'sometimes'")
                .hasMessageContaining("auto").hasMessageContaining("always").hasMessageContaining("never");
        Path drain = TestApps.write(dir.resolve("drain.xml"), """
                <configuration>
                  <system.applicationHost>
                    <node drainTime="5" />
                    <forwarding trustedProxies="10.0.0.0/33" />
                  </system.applicationHost>
                </configuration>
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NodeConfigParser().parse(drain,
                NodeConfig.DEFAULTS)).hasMessageContaining("'drainTime' has invalid value '5'")
                .hasMessageContaining("hh:mm:ss");
    }
}
