package dev.porter;

import dev.porter.config.ConfigException;
import dev.porter.config.NodeConfig;
import dev.porter.config.NodeConfigParser;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies porter.xml changes live, as IIS applies applicationHost.config: watches the file's directory, and once the
 * file has been quiet for {@value #DEBOUNCE_MILLIS} ms parses it with the same parser as at start and hands it to
 * {@link Porter#reconfigure}. A file that does not parse (or whose new listener cannot be bound) is refused with the
 * same error as at start, logged, and the running configuration stays.
 *
 * <p>The node's own elements apply too: a changed {@code <forwarding trustedProxies>} takes effect at once (as a
 * binding's {@code proxyProtocol} does in {@link Porter#reconfigure}); a changed {@code <node>} attribute
 * ({@code drainTime}, {@code localDirectory}, {@code changePolling}, {@code pollInterval}) is logged as needing a
 * restart of the node, since paths and watchers are set up once at start.
 *
 * <p>Threading: one platform thread takes the file events; changes are parsed and applied on one scheduler thread, one
 * at a time.
 */
final class ServerConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter.config.live");
    static final long DEBOUNCE_MILLIS = 300;

    private final Porter porter;
    private final Path file;
    private final ServerConfigParser parser;
    private final NodeConfigParser nodeParser = new NodeConfigParser();
    /** The node settings porter.xml said when last read; used on the scheduler thread only (after construction). */
    private NodeConfig nodeInFile;
    private final WatchService service;
    private final ScheduledExecutorService scheduler;
    private final Thread thread;
    private ScheduledFuture<?> pending; // guarded by this

    private ServerConfigWatcher(Porter porter, Path file, ServerConfigParser parser) throws IOException {
        this.porter = porter;
        this.file = file.toAbsolutePath().normalize();
        this.parser = parser;
        this.nodeInFile = readNode(this.file);
        this.service = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(service, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("porter-config-apply").factory());
        this.thread = Thread.ofPlatform().daemon().name("porter-config-watcher").start(this::run);
    }

    /** Starts watching {@code file} for {@code porter}. */
    static ServerConfigWatcher start(Porter porter, Path file, ServerConfigParser parser) throws IOException {
        return new ServerConfigWatcher(porter, file, parser);
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    ours |= event.kind() == StandardWatchEventKinds.OVERFLOW
                            || file.getFileName().equals(event.context());
                }
                key.reset();
                if (ours) {
                    changed();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private synchronized void changed() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = scheduler.schedule(this::apply, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private NodeConfig readNode(Path porterXml) {
        try {
            return nodeParser.parse(porterXml, NodeConfig.DEFAULTS.withDrainTime(null));
        } catch (ConfigException | RuntimeException e) {
            return null; // the start read it; a later change is compared with what it says then
        }
    }

    private void apply() {
        ServerConfig next;
        NodeConfig nextNode;
        try {
            next = parser.parse(file);
            nextNode = nodeParser.parse(file, NodeConfig.DEFAULTS.withDrainTime(null));
        } catch (ConfigException e) {
            LOG.error("porter.xml changed but was not applied; the running configuration stays. configuration error: "
                    + "{}", e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.error("porter.xml changed but could not be read; the running configuration stays: {}", e.toString());
            return;
        }
        try {
            porter.reconfigure(next);
            LOG.info("porter.xml applied: {} site(s), {} application(s)", next.sites().size(),
                    next.sites().stream().mapToInt(s -> s.applications().size()).sum());
            applyNode(nextNode);
        } catch (IOException | RuntimeException e) {
            LOG.error("porter.xml changed but was not applied; the running configuration stays: {}", e.getMessage());
        }
    }

    /** {@code <forwarding trustedProxies>} live; {@code <node>} attributes logged as needing a restart. */
    private void applyNode(NodeConfig next) {
        String trusted = next.trustedProxies().toString();
        if (!trusted.equals(porter.trustedProxies().toString())) {
            porter.trustProxies(next.trustedProxies());
            if (trusted.isEmpty()) {
                LOG.info("porter.xml: <forwarding trustedProxies> is now empty: from now on no peer's forwarding "
                        + "fields name the client, on new and on open connections");
            } else {
                LOG.info("porter.xml: <forwarding trustedProxies> is now \"{}\": requests from now on, on new and on "
                        + "open connections, take their client from the forwarding fields of these peers only",
                        trusted);
            }
        }
        NodeConfig before = nodeInFile;
        nodeInFile = next;
        if (before == null) {
            return;
        }
        restartNeeded("drainTime", before.drainTime(), next.drainTime());
        restartNeeded("localDirectory", before.localDirectory(), next.localDirectory());
        restartNeeded("changePolling", before.changePolling(), next.changePolling());
        restartNeeded("pollInterval", before.pollInterval().toMillis(), next.pollInterval().toMillis());
    }

    private static void restartNeeded(String attribute, Object before, Object next) {
        if (!Objects.equals(before, next)) {
            LOG.warn("porter.xml: <node {}> changed from '{}' to '{}': it is read at start only; restart this node "
                    + "to apply it (until then it keeps its current value)", attribute,
                    before == null ? "(not set)" : before, next == null ? "(not set)" : next);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
        thread.interrupt();
        scheduler.shutdownNow();
    }
}
