package dev.porter.admin;

import dev.porter.config.ServerConfig;
import dev.porter.server.Exchange;
import dev.porter.server.RequestHandler;
import dev.porter.server.log.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-application request meters, fed from the front server's one reporting hook ({@link RequestObserver}, beside the
 * access log) and from a thin wrapper around each application's {@link RequestHandler} (which marks a request as in
 * flight when the application gets it): {@code porter_requests_total{site,app,status="2xx"}}, the latency histogram
 * {@code porter_request_duration_seconds}, {@code porter_requests_in_flight}, and
 * {@code porter_requests_rejected_total{status}} for what the front server refused before routing.
 *
 * <p>Threading: {@link #completed}, {@link #rejected} and the wrapped handlers run on event loops and only touch
 * pre-registered meters (lock-free adders) and a concurrent set; the meters are created before the server accepts
 * ({@link #wrap}, called while the router is built).
 */
final class RequestMetrics implements RequestObserver {

    static final String[] STATUS_CLASSES = {"aborted", "1xx", "2xx", "3xx", "4xx", "5xx"};

    /** The meters of one application. */
    static final class AppMeters {
        final String site;
        final String path;
        final Counter[] byClass = new Counter[STATUS_CLASSES.length];
        final Timer latency;
        final AtomicInteger inFlight = new AtomicInteger();

        AppMeters(MeterRegistry registry, String site, String path) {
            this.site = site;
            this.path = path;
            Tags tags = Tags.of("site", site, "app", path);
            for (int i = 0; i < STATUS_CLASSES.length; i++) {
                byClass[i] = Counter.builder("porter.requests").description("Requests answered, by status class")
                        .tags(tags).tag("status", STATUS_CLASSES[i]).register(registry);
            }
            latency = Timer.builder("porter.request.duration")
                    .description("From the request head's arrival to the end of the response")
                    .tags(tags).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(2))
                    .publishPercentiles(0.5, 0.99).percentilePrecision(2)
                    .distributionStatisticExpiry(Duration.ofMinutes(1)).distributionStatisticBufferLength(3)
                    .register(registry);
            Gauge.builder("porter.requests.in.flight", inFlight, AtomicInteger::get)
                    .description("Requests the application has been given and not yet answered")
                    .tags(tags).register(registry);
        }

        long requests() {
            long n = 0;
            for (Counter c : byClass) {
                n += (long) c.count();
            }
            return n;
        }

        /** The latency at {@code percentile} over the last minute or so, in milliseconds; NaN without requests. */
        double percentileMillis(double percentile) {
            for (ValueAtPercentile v : latency.takeSnapshot().percentileValues()) {
                if (v.percentile() == percentile) {
                    return v.value(TimeUnit.MILLISECONDS);
                }
            }
            return Double.NaN;
        }
    }

    private final MeterRegistry registry;
    private final Map<Long, Map<String, AppMeters>> bySite = new ConcurrentHashMap<>();
    /** Exchanges an application was given (so that ones refused before it, e.g. 401, do not count as in flight). */
    private final Set<Exchange> handled = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Counter> rejected = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The application's handler, counting what it is given as in flight. Registers the app's meters. */
    RequestHandler wrap(ServerConfig.Site site, ServerConfig.Application application, RequestHandler handler) {
        AppMeters meters = meters(site.id(), site.name(), application.path());
        return new RequestHandler() {
            @Override
            public void handle(Exchange exchange) {
                if (handled.add(exchange)) {
                    meters.inFlight.incrementAndGet();
                }
                handler.handle(exchange);
            }

            @Override
            public java.util.Optional<dev.porter.config.RequestLimits> requestLimits() {
                return handler.requestLimits();
            }
        };
    }

    AppMeters meters(long siteId, String siteName, String path) {
        return bySite.computeIfAbsent(siteId, id -> new ConcurrentHashMap<>())
                .computeIfAbsent(path, p -> new AppMeters(registry, siteName, p));
    }

    /** The meters of an application, or null if it has none (yet). */
    AppMeters find(long siteId, String path) {
        Map<String, AppMeters> site = bySite.get(siteId);
        return site == null ? null : site.get(path);
    }

    @Override
    public void completed(Exchange exchange, int status, long durationNanos) {
        AppMeters meters = find(exchange.site().id(), exchange.applicationPath());
        if (meters == null) {
            return;
        }
        if (handled.remove(exchange)) {
            meters.inFlight.decrementAndGet();
        }
        int statusClass = status >= 100 && status < 600 ? status / 100 : 0;
        meters.byClass[statusClass].increment();
        meters.latency.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void rejected(int status) {
        rejected.computeIfAbsent(status, s -> Counter.builder("porter.requests.rejected")
                .description("Requests the front server refused before routing them to an application")
                .tag("status", Integer.toString(s)).register(registry)).increment();
    }
}
