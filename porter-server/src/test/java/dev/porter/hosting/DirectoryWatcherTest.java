package dev.porter.hosting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DirectoryWatcher} by polling (what a node does on a network file system, forced here with
 * {@code changePolling="always"}) and by change notification: the same names reach the listener either way.
 */
class DirectoryWatcherTest {

    @TempDir
    Path dir;

    private void seesCreateChangeAndDelete(NodeConfig.ChangePolling mode) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (DirectoryWatcher watcher = new DirectoryWatcher(mode, Duration.ofMillis(100))) {
            watcher.watch(dir, seen::add);
            Files.writeString(dir.resolve("app_offline.htm"), "down");
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("app_offline.htm"));
            seen.clear();
            Files.writeString(dir.resolve("web.config"), "<configuration/>");
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("web.config"));
            seen.clear();
            Files.writeString(dir.resolve("web.config"), "<configuration>changed</configuration>");
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("web.config"));
            seen.clear();
            Files.delete(dir.resolve("app_offline.htm"));
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("app_offline.htm"));
        }
    }

    @Test
    void pollingSeesWhatNotificationSees() throws Exception {
        seesCreateChangeAndDelete(NodeConfig.ChangePolling.ALWAYS);
    }

    @Test
    void notificationOnALocalFileSystem() throws Exception {
        seesCreateChangeAndDelete(NodeConfig.ChangePolling.AUTO);
        seesCreateChangeAndDelete(NodeConfig.ChangePolling.NEVER);
    }

    @Test
    void aPolledDirectoryThatIsUnchangedReportsNothing() throws Exception {
        Files.writeString(dir.resolve("web.config"), "<configuration/>");
        List<String> seen = new CopyOnWriteArrayList<>();
        try (DirectoryWatcher watcher = new DirectoryWatcher(NodeConfig.ChangePolling.ALWAYS, Duration.ofMillis(50))) {
            watcher.watch(dir, seen::add);
            Files.writeString(dir.resolve("marker"), "x");
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("marker"));
            assertThat(seen).as("files that did not change are not reported").doesNotContain("web.config");
        }
    }
}
