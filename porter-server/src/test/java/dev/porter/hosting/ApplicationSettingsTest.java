package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.HostedApp;
import dev.porter.testing.TestApps;
import dev.porter.testing.WebConfigFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application settings ApplicationHost publishes (issue #14 items 3, 4, 6, 7), with real out-of-process backends:
 * {@code disallowRotationOnConfigChange} keeps the running app through a web.config change while the new request
 * limits still apply; {@code preloadEnabled} starts the app with the server and right after a recycle; a broken
 * web.config is a 500.19 whose detail only local clients see.
 */
class ApplicationSettingsTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    /** A TestBackend's web.config with these handler settings and, when not null, these requestLimits attributes. */
    private static void writeWebConfig(Path app, Map<String, String> handlerSettings, String requestLimits) {
        WebConfigFile.write(app, Backends.attributes(List.of()), Map.of(), handlerSettings, requestLimits);
    }

    private List<Long> liveBackends() {
        return hosted.backends().started().stream().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("TestBackend")).map(ProcessHandle::pid)
                .toList();
    }

    @Test
    void disallowRotationOnConfigChangeKeepsTheRunningAppButTheNewLimitsApply() throws Exception {
        Path app = dir.resolve("app");
        writeWebConfig(app, Map.of("disallowRotationOnConfigChange", "true"), null);
        hosted.start(TestApps.server(Map.of("/", app)));
        long first = hosted.pid();
        assertThat(hosted.get("/" + "a".repeat(40)).status()).isEqualTo(200); // the backend's answer: under the limit
        writeWebConfig(app, Map.of("disallowRotationOnConfigChange", "true"), "maxUrl=\"20\"");
        // The change was read (its limits apply at once) ...
        await().atMost(Duration.ofSeconds(15)).until(() -> hosted.get("/" + "a".repeat(40)).status() == 414);
        // ... and the app was not recycled (before: a new process here).
        assertThat(hosted.pid()).isEqualTo(first);
        assertThat(Backends.alive(first)).isTrue();
        assertThat(hosted.events().messages()).noneMatch(m -> m.contains("recycled due to configuration change"));
    }

    @Test
    void requestLimitsApplyFromTheFirstRequestAndFollowChangesOfAStoppedApp() throws Exception {
        Path app = dir.resolve("app");
        writeWebConfig(app, Map.of(), "maxUrl=\"20\"");
        hosted.start(TestApps.server(Map.of("/", app)));
        // Before: the first request was checked against the server's limits only.
        assertThat(hosted.get("/" + "a".repeat(40)).status()).isEqualTo(414);
        assertThat(liveBackends()).as("refused by the front server: the app was not started for it").isEmpty();
        writeWebConfig(app, Map.of(), "maxUrl=\"100\"");
        await().atMost(Duration.ofSeconds(15)).until(() -> hosted.get("/" + "a".repeat(40)).status() == 200);
    }

    @Test
    void preloadEnabledStartsTheAppWithTheServerAndRightAfterARecycle() throws Exception {
        Path app = dir.resolve("app");
        writeWebConfig(app, Map.of(), null);
        ServerConfig plain = TestApps.server(Map.of("/", app));
        ServerConfig.Site site = plain.sites().getFirst();
        ServerConfig config = new ServerConfig(plain.file(), List.of(new ServerConfig.Site(site.name(), site.id(),
                site.bindings(), List.of(new ServerConfig.Application("/", app.toAbsolutePath(), true)),
                site.logFile())), RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
        hosted.start(config);
        // No request yet: the backend starts with the server (before: only on the first request).
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.events().events(1001).size() == 1);
        List<Long> preloaded = liveBackends();
        assertThat(preloaded).hasSize(1);
        assertThat(hosted.pid()).isEqualTo(preloaded.getFirst());
        // A recycle starts the next one at once, again without a request.
        writeWebConfig(app, Map.of("x", "changed"), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> hosted.events().events(1001).size() == 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> !Backends.alive(preloaded.getFirst()));
        assertThat(liveBackends()).hasSize(1).doesNotContain(preloaded.getFirst());
    }

    @Test
    void onlyALocalClientSeesTheConfigurationError() {
        InetSocketAddress server = new InetSocketAddress("192.0.2.10", 443);
        assertThat(ConfigErrorHandler.isLocal(new InetSocketAddress("127.0.0.1", 5000), server)).isTrue();
        assertThat(ConfigErrorHandler.isLocal(new InetSocketAddress("::1", 5000), server)).isTrue();
        assertThat(ConfigErrorHandler.isLocal(new InetSocketAddress("192.0.2.10", 5000), server)).isTrue();
        assertThat(ConfigErrorHandler.isLocal(new InetSocketAddress("198.51.100.7", 5000), server)).isFalse();
    }
}
