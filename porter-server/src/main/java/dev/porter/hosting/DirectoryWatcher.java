package dev.porter.hosting;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inotify watch for the whole server (inotify instances are limited to 128 per user): application directories,
 * non-recursive. Listeners get the changed file's name, or null after an {@code OVERFLOW} (anything may have changed).
 * A rename arrives as delete + create. Listeners run on the watcher's own thread and must return quickly.
 */
final class DirectoryWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final WatchService service;
    private final Map<WatchKey, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final Thread thread;

    DirectoryWatcher() throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
        this.thread = Thread.ofPlatform().daemon().name("porter-watcher").start(this::run);
    }

    void watch(Path directory, Consumer<String> listener) throws IOException {
        WatchKey key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        listeners.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                List<Consumer<String>> targets = listeners.getOrDefault(key, List.of());
                for (WatchEvent<?> event : key.pollEvents()) {
                    String name = event.kind() == StandardWatchEventKinds.OVERFLOW ? null
                            : ((Path) event.context()).toString();
                    for (Consumer<String> listener : targets) {
                        try {
                            listener.accept(name);
                        } catch (RuntimeException e) {
                            LOG.error("Directory change listener failed", e);
                        }
                    }
                }
                if (!key.reset()) {
                    LOG.warn("No longer watching {}: the directory is gone or unreadable", key.watchable());
                    listeners.remove(key);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        service.close();
        thread.interrupt();
    }
}
