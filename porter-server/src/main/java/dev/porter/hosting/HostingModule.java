package dev.porter.hosting;

import dev.porter.config.HostingModel;
import dev.porter.config.ServerConfig;
import dev.porter.server.RequestHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hosting module (the ANCM role) for a whole server: one {@link ApplicationHost} per configured application, the
 * shared directory watcher, and the factories of the two hosting models. The front server asks it for each
 * application's {@link RequestHandler}.
 */
public final class HostingModule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HostingModule.class);

    private volatile ServerConfig serverConfig;
    private final ServerEnvironment environment;
    private final Map<HostingModel, HostingModelFactory> factories;
    private final DirectoryWatcher watcher;
    private final ScheduledExecutorService scheduler;
    private final List<ApplicationHost> hosts = new CopyOnWriteArrayList<>();
    /** Stops of applications a reconfiguration removed, still under way: a server stop waits for them too. */
    private final Map<ApplicationHost, CompletableFuture<Void>> removedStops = new ConcurrentHashMap<>();

    public HostingModule(ServerConfig serverConfig, ServerEnvironment environment,
            Map<HostingModel, HostingModelFactory> factories) throws IOException {
        this.serverConfig = serverConfig;
        this.environment = environment;
        this.factories = Map.copyOf(factories);
        this.watcher = new DirectoryWatcher(environment.node().changePolling(), environment.node().pollInterval());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("porter-hosting-scheduler").factory());
    }

    /**
     * A live porter.xml change, in two steps: {@link Reconfiguration#handlerFor} gives the front server's new routing
     * table each application's handler — the running one when the application and its site's bindings are unchanged,
     * else a new one — then {@link Reconfiguration#commit} stops the applications that are gone or changed and
     * preloads the new ones, or {@link Reconfiguration#abandon} drops the new ones unused.
     */
    public Reconfiguration reconfigure(ServerConfig next) {
        return new Reconfiguration(next);
    }

    /** One live porter.xml change (see {@link #reconfigure}); used from one thread. */
    public final class Reconfiguration {
        private final ServerConfig next;
        private final List<ApplicationHost> kept = new java.util.ArrayList<>();
        private final List<ApplicationHost> created = new java.util.ArrayList<>();

        private Reconfiguration(ServerConfig next) {
            this.next = next;
        }

        public RequestHandler handlerFor(ServerConfig.Site site, ServerConfig.Application application) {
            for (ApplicationHost host : hosts) {
                if (host.servesSame(site, application) && !kept.contains(host)) {
                    kept.add(host);
                    return host;
                }
            }
            ApplicationHost host = register(site, application);
            created.add(host);
            return host;
        }

        /** The new routing table is in place: the applications it no longer has stop; new ones may preload. */
        public void commit() {
            serverConfig = next;
            List<ApplicationHost> gone = hosts.stream()
                    .filter(host -> !kept.contains(host) && !created.contains(host))
                    .toList();
            hosts.removeAll(gone);
            for (ApplicationHost host : gone) {
                LOG.info("porter.xml: application '{}' ({}) removed or changed; stopping it", host.name(),
                        host.physicalPath());
                stopRemoved(host);
            }
            for (ApplicationHost host : created) {
                LOG.info("porter.xml: application '{}' ({}) added", host.name(), host.physicalPath());
                host.preloadIfEnabled();
            }
        }

        /** The change was not applied: the applications made for it are dropped. */
        public void abandon() {
            for (ApplicationHost host : created) {
                hosts.remove(host);
                stopRemoved(host);
            }
        }
    }

    private void stopRemoved(ApplicationHost host) {
        CompletableFuture<Void> stop = host.stop();
        removedStops.put(host, stop);
        stop.whenComplete((ok, e) -> removedStops.remove(host));
    }

    /** The handler for one application: what the front server's router calls. */
    public RequestHandler handlerFor(ServerConfig.Site site, ServerConfig.Application application) {
        return register(site, application);
    }

    private ApplicationHost register(ServerConfig.Site site, ServerConfig.Application application) {
        ApplicationHost host = new ApplicationHost(this, site, application);
        try {
            watcher.watch(application.physicalPath(), host::directoryChanged);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot watch " + application.physicalPath() + " for app_offline.htm and "
                    + "web.config changes", e);
        }
        hosts.add(host);
        return host;
    }

    /**
     * The last overlapped recycle of the application named {@code configPath} (IIS's {@code MACHINE/WEBROOT/APPHOST/
     * site/path}) whose new incarnation failed to start, so that the old one kept serving; empty if none did.
     */
    public Optional<RecycleFailure> lastRecycleFailure(String configPath) {
        return hosts.stream().filter(h -> h.name().equals(configPath)).map(ApplicationHost::lastRecycleFailure)
                .filter(Objects::nonNull).findFirst();
    }

    /** Watches one more directory for an application (its subdirectories, with shadow copy). */
    void watch(Path directory, Consumer<String> listener) throws IOException {
        watcher.watch(directory, listener);
    }

    /** IIS application preload: starts every application with {@code preloadEnabled="true"}; never blocks. */
    public void preload() {
        hosts.forEach(ApplicationHost::preloadIfEnabled);
    }

    /** Every configured application, in configuration order (for the admin endpoint). */
    public List<ManagedApplication> applications() {
        return List.copyOf(hosts);
    }

    /**
     * Stops every application (each within its own shutdownTimeLimit), in parallel, waiting at most {@code limit}, and
     * for the stops still under way of applications a reconfiguration removed.
     */
    public void stopAll(Duration limit) {
        CompletableFuture<?>[] stops = Stream.concat(hosts.stream().map(ApplicationHost::stop),
                removedStops.values().stream()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(stops).get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("Some applications had not stopped after {} s", limit.toSeconds());
        } catch (Exception e) {
            LOG.warn("Stopping applications failed", e);
        }
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("Closing the directory watcher failed", e);
        }
        scheduler.shutdownNow();
    }

    HostingModelFactory factory(HostingModel model) {
        HostingModelFactory factory = factories.get(model);
        if (factory == null) {
            throw new IllegalStateException("No factory for hosting model " + model);
        }
        return factory;
    }

    ServerConfig serverConfig() {
        return serverConfig;
    }

    ServerEnvironment environment() {
        return environment;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }
}
