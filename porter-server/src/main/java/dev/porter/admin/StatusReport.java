package dev.porter.admin;

import dev.porter.hosting.ApplicationStatus;
import dev.porter.hosting.HostingModule;
import dev.porter.hosting.ManagedApplication;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The status page's data ({@code GET /api/status}, JSON): the server (version, pid, uptime, serving or stopping,
 * memory), every application (site, path, hosting model, state, process ids, uptime, starts, restarts, start failures,
 * the last failure with its captured output, requests by status class, in flight, p50/p99 latency over the last
 * minute, memory) and the recent events. Requests per second are left to the page (the difference of two reads), so
 * that the server keeps no per-viewer state.
 *
 * <p>Threading: {@link #snapshot} on the admin listener's virtual threads; reads the hosting module's and the meters'
 * thread-safe accessors only.
 */
final class StatusReport {

    private final HostingModule hosting;
    private final RequestMetrics requests;
    private final RecentEvents events;
    private final Instant started;
    private final BooleanSupplier stopping;
    private final Supplier<List<String>> listening;

    StatusReport(HostingModule hosting, RequestMetrics requests, RecentEvents events, Instant started,
            BooleanSupplier stopping, Supplier<List<String>> listening) {
        this.listening = listening;
        this.hosting = hosting;
        this.requests = requests;
        this.events = events;
        this.started = started;
        this.stopping = stopping;
    }

    boolean isStopping() {
        return stopping.getAsBoolean();
    }

    Map<String, Object> snapshot() {
        Instant now = Instant.now();
        Map<String, Object> server = new LinkedHashMap<>();
        String version = StatusReport.class.getPackage().getImplementationVersion();
        server.put("version", version == null ? "development build" : version);
        server.put("java", Runtime.version().toString());
        server.put("pid", ProcessHandle.current().pid());
        server.put("startedAt", started);
        server.put("uptimeSeconds", Duration.between(started, now).toSeconds());
        server.put("state", isStopping() ? "stopping" : "serving");
        server.put("listening", listening.get());
        server.put("memoryBytes", ProcessMemory.residentBytes(ProcessHandle.current().pid()));
        server.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        server.put("time", now);

        List<Object> apps = new ArrayList<>();
        List<ManagedApplication> all = hosting.applications();
        for (int i = 0; i < all.size(); i++) {
            ApplicationStatus s = all.get(i).status();
            Map<String, Object> app = new LinkedHashMap<>();
            app.put("id", i);
            app.put("site", s.siteName());
            app.put("siteId", s.siteId());
            app.put("path", s.path());
            app.put("name", s.name());
            app.put("physicalPath", s.physicalPath().toString());
            app.put("hostingModel", s.hostingModel());
            app.put("state", s.state());
            app.put("processIds", s.processIds());
            app.put("runningSince", s.runningSince());
            app.put("uptimeSeconds", s.runningSince() == null ? null
                    : Duration.between(s.runningSince(), now).toSeconds());
            app.put("processStarts", s.processStarts());
            app.put("restarts", s.restarts());
            app.put("startFailures", s.startFailures());
            app.put("lastFailure", s.lastFailure());
            app.put("lastFailureAt", s.lastFailureAt());
            RequestMetrics.AppMeters meters = requests.find(s.siteId(), s.path());
            Map<String, Object> byClass = new LinkedHashMap<>();
            if (meters != null) {
                for (int c = 0; c < RequestMetrics.STATUS_CLASSES.length; c++) {
                    byClass.put(RequestMetrics.STATUS_CLASSES[c], (long) meters.byClass[c].count());
                }
            }
            app.put("requests", meters == null ? 0 : meters.requests());
            app.put("requestsByStatus", byClass);
            app.put("inFlight", meters == null ? 0 : meters.inFlight.get());
            app.put("p50Millis", meters == null ? null : meters.percentileMillis(0.5));
            app.put("p99Millis", meters == null ? null : meters.percentileMillis(0.99));
            app.put("memoryBytes", Administration.memoryOf(s));
            apps.add(app);
        }
        List<Object> recent = new ArrayList<>();
        for (RecentEvents.Event e : events.newestFirst()) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("time", e.time());
            event.put("level", e.level());
            event.put("logger", e.logger());
            event.put("message", e.message());
            recent.add(event);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("server", server);
        result.put("applications", apps);
        result.put("events", recent);
        return result;
    }
}
