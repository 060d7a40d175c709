package dev.porter.admin;

import dev.porter.config.AdministrationConfig;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ApplicationStatus;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ManagedApplication;
import dev.porter.server.RequestHandler;
import dev.porter.server.log.RequestObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The admin endpoint of one running Porter (issue 16): the meter registry, the request meters fed from the front
 * server, the hosting module's applications, recent events, and the HTTP listener that serves them
 * ({@link AdminServer}). Off unless configured; the composition root ({@code Porter}) creates it before the front
 * server (so that every application's handler is wrapped and its meters exist before the first request), starts its
 * listener once the front server listens, and closes it last, after the graceful stop, so that {@code /health}
 * answers 503 for the whole drain.
 *
 * <p>Threading: created and started on the starting thread; the listener serves on virtual threads; {@link #close}
 * once, on the stopping thread.
 */
public final class Administration implements AutoCloseable {

    private final AdministrationConfig config;
    private final HostingModule hosting;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RequestMetrics requests = new RequestMetrics(registry);
    private final RecentEvents events = new RecentEvents();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Instant started = Instant.now();
    private AdminServer server;

    private Administration(AdministrationConfig config, HostingModule hosting) {
        this.config = config;
        this.hosting = hosting;
        // Two of Micrometer's meters break Prometheus's naming rules (promtool check metrics): a unit abbreviation
        // in process_cpu_time_ns_total and a _count suffix on a gauge; process_cpu_usage and the JVM's
        // availableProcessors-based meters say the same.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                || id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        events.attach();
    }

    /** The admin endpoint for this hosting module; not listening until {@link #start}. */
    public static Administration create(AdministrationConfig config, HostingModule hosting) {
        return new Administration(config, hosting);
    }

    /** What the front server reports each request to. */
    public RequestObserver requestObserver() {
        return requests;
    }

    /** An application's handler as the front server should call it: counted in flight, its meters registered. */
    public RequestHandler wrap(ServerConfig.Site site, ServerConfig.Application application, RequestHandler handler) {
        RequestHandler wrapped = requests.wrap(site, application, handler);
        if (!(handler instanceof ManagedApplication app)) {
            return wrapped; // not the hosting module's (a test's own handler): request meters only
        }
        Tags tags = Tags.of("site", site.name(), "app", application.path());
        counter("porter.app.process.starts", "Processes (or in-process app domains) that became ready", tags, app,
                s -> s.processStarts());
        counter("porter.app.restarts", "Processes started after the first one (crash, recycle)", tags, app,
                s -> s.restarts());
        counter("porter.app.start.failures", "Starts that failed (502.5, 500.0, 500.30, 500.37)", tags, app,
                s -> s.startFailures());
        Gauge.builder("porter.app.processes", app, a -> a.status().processIds().size())
                .description("Processes serving the application now").tags(tags).register(registry);
        Gauge.builder("porter.app.process.memory", app, a -> memoryOf(a.status()))
                .description("Resident memory of the application's processes (out-of-process only; NaN in-process)")
                .baseUnit("bytes").tags(tags).register(registry);
        return wrapped;
    }

    private void counter(String name, String description, Tags tags, ManagedApplication app,
            ToDoubleFunction<ApplicationStatus> value) {
        FunctionCounter.builder(name, app, a -> value.applyAsDouble(a.status())).description(description).tags(tags)
                .register(registry);
    }

    /** The applications' resident memory, or NaN when it cannot be known (in-process: Porter's own JVM). */
    static double memoryOf(ApplicationStatus status) {
        long self = ProcessHandle.current().pid();
        if (status.processIds().isEmpty() || status.processIds().contains(self)) {
            return Double.NaN;
        }
        return ProcessMemory.residentBytes(status.processIds());
    }

    /**
     * Starts listening. {@code stopping} tells {@code /health} when a graceful stop has begun; {@code listening} the
     * front server's addresses, for the status page.
     *
     * @throws IOException when the address cannot be bound (the message names it and where it was configured)
     */
    public void start(BooleanSupplier stopping, Supplier<List<String>> listening) throws IOException {
        StatusReport report = new StatusReport(hosting, requests, events, started, stopping, listening);
        server = AdminServer.start(config, registry, report, hosting);
    }

    /** Where the admin endpoint listens (its real port when configured with 0). */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        events.detach();
        gc.close();
        registry.close();
    }
}
