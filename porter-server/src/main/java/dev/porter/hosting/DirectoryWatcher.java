package dev.porter.hosting;

import dev.porter.config.NodeConfig;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches application directories (non-recursive) for the hosting module: by change notification where it works, with
 * one inotify watch for the whole server (inotify instances are limited to 128 per user), and by polling where it does
 * not. inotify sees only what this machine's kernel writes: on a network file system (NFS, SMB/CIFS, ...) shared by
 * several nodes of a farm, a deploy written by another host never raises an event, so such directories are listed
 * every poll interval and compared (name, size, modification time). The choice is made per directory from its file
 * system type ({@link NodeConfig.ChangePolling#AUTO}) or forced for all, and logged.
 *
 * <p>Listeners get the changed file's name, or null after an {@code OVERFLOW} (anything may have changed). A rename
 * arrives as delete + create. Listeners run on the watcher's or the poller's own thread and must return quickly.
 */
final class DirectoryWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);
    /** File system types (as {@code /proc/mounts} names them) whose remote writes inotify never reports. */
    private static final Set<String> NETWORK_FILE_SYSTEMS = Set.of("nfs", "nfs4", "cifs", "smb", "smb2", "smb3",
            "smbfs", "9p", "ceph", "fuse.sshfs", "fuse.glusterfs", "glusterfs", "fuse.s3fs", "afs", "lustre",
            "gpfs", "ocfs2", "gfs2", "fuse.rclone", "virtiofs", "vboxsf", "fuse.cephfs", "beegfs");

    private final WatchService service;
    private final Map<WatchKey, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final Thread thread;
    private final NodeConfig.ChangePolling mode;
    private final Duration pollInterval;
    private final Map<Path, Polled> polled = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean pollerStarted =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread poller;
    private volatile boolean closed;

    DirectoryWatcher() throws IOException {
        this(NodeConfig.ChangePolling.AUTO, NodeConfig.DEFAULT_POLL_INTERVAL);
    }

    DirectoryWatcher(NodeConfig.ChangePolling mode, Duration pollInterval) throws IOException {
        this.mode = mode;
        this.pollInterval = pollInterval;
        this.service = FileSystems.getDefault().newWatchService();
        this.thread = Thread.ofPlatform().daemon().name("porter-watcher").start(this::run);
    }

    void watch(Path directory, Consumer<String> listener) throws IOException {
        String type = fileSystemType(directory);
        boolean poll = mode == NodeConfig.ChangePolling.ALWAYS
                || (mode == NodeConfig.ChangePolling.AUTO && NETWORK_FILE_SYSTEMS.contains(type));
        if (poll) {
            Polled p = polled.computeIfAbsent(directory, d -> new Polled(snapshot(d)));
            boolean first = p.listeners.isEmpty();
            p.listeners.add(listener);
            if (first) {
                LOG.info("Watching {} for changes by polling every {} ms ({} file system{})", directory,
                        pollInterval.toMillis(), type, mode == NodeConfig.ChangePolling.ALWAYS
                                ? ", changePolling=\"always\"" : ": change notification misses other hosts' writes");
            }
            startPoller();
            return;
        }
        WatchKey key = directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        List<Consumer<String>> list = listeners.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
        if (list.isEmpty()) {
            LOG.info("Watching {} for changes by change notification ({} file system)", directory, type);
        }
        list.add(listener);
    }

    private static String fileSystemType(Path directory) {
        try {
            return Files.getFileStore(directory).type().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                List<Consumer<String>> targets = listeners.getOrDefault(key, List.of());
                for (WatchEvent<?> event : key.pollEvents()) {
                    String name = event.kind() == StandardWatchEventKinds.OVERFLOW ? null
                            : ((Path) event.context()).toString();
                    notify(targets, name);
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

    private void startPoller() {
        if (pollerStarted.compareAndSet(false, true) && !closed) {
            poller = Thread.ofPlatform().daemon().name("porter-poller").start(this::poll);
        }
    }

    /** The poller's loop: list each polled directory, report what appeared, went or changed since the last look. */
    private void poll() {
        while (!closed) {
            try {
                Thread.sleep(pollInterval);
            } catch (InterruptedException e) {
                return;
            }
            for (Map.Entry<Path, Polled> e : polled.entrySet()) {
                Map<String, Long> now = snapshot(e.getKey());
                Polled p = e.getValue();
                Set<String> changed = new HashSet<>();
                for (Map.Entry<String, Long> f : now.entrySet()) {
                    if (!f.getValue().equals(p.last.get(f.getKey()))) {
                        changed.add(f.getKey());
                    }
                }
                for (String name : p.last.keySet()) {
                    if (!now.containsKey(name)) {
                        changed.add(name);
                    }
                }
                p.last = now;
                for (String name : changed) {
                    notify(p.listeners, name);
                }
            }
        }
    }

    /** Name to a fingerprint of size and modification time; empty when the directory cannot be read. */
    private static Map<String, Long> snapshot(Path directory) {
        Map<String, Long> files = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                try {
                    BasicFileAttributes a = Files.readAttributes(entry, BasicFileAttributes.class);
                    files.put(entry.getFileName().toString(), a.lastModifiedTime().toMillis() * 31 + a.size());
                } catch (IOException gone) {
                    // deleted between the listing and the look: the next poll says so
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot list {}: {}", directory, e.toString());
        }
        return files;
    }

    private static void notify(List<Consumer<String>> targets, String name) {
        for (Consumer<String> listener : targets) {
            try {
                listener.accept(name);
            } catch (RuntimeException e) {
                LOG.error("Directory change listener failed", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        service.close();
        thread.interrupt();
        Thread p = poller;
        if (p != null) {
            p.interrupt();
        }
    }

    /** A polled directory: its listeners and what it held at the last look (touched by the poller thread only). */
    private static final class Polled {
        final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
        volatile Map<String, Long> last;

        Polled(Map<String, Long> last) {
            this.last = last;
        }
    }
}
