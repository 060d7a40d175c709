package dev.porter.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.Porter;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.outofprocess.Backends;
import dev.porter.hosting.outofprocess.EventLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Porter serving one application directory, for one test method at a time, with the cleanup such a test owes:
 * after each test, passed or failed, Porter is stopped (its listening ports closed, its applications stopped), the
 * event log recorder detached, and every process the test left running (the test JVM's new descendants) killed by
 * its pid; a leftover fails the test, since Porter should have stopped it.
 *
 * <p>Use it as an instance field, {@code @RegisterExtension final HostedApp hosted = new HostedApp();}, and call one
 * of the {@code start} methods from the test. {@link #events()} records from before the test method on.
 *
 * <p>Threading: the test's thread starts and reads it; {@link #events()} may be read from any thread.
 */
public final class HostedApp implements BeforeEachCallback, AfterEachCallback {

    /** How a test starts Porter when it needs more than a config (its own hosting models, say). */
    @FunctionalInterface
    public interface Starter {
        Porter start() throws IOException;
    }

    private final int readTimeoutMillis;
    private Backends backends;
    private EventLog events;
    private Porter porter;

    /** {@link #get} with RawHttp's read timeout (60 s). */
    public HostedApp() {
        this(60_000);
    }

    /**
     * {@link #get} with this read timeout, a guard only: a first request waits for its app's start, which for a
     * Spring Boot app in-process on a busy machine takes longer than RawHttp's 60 s.
     */
    public HostedApp(int readTimeoutMillis) {
        this.readTimeoutMillis = readTimeoutMillis;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        backends = new Backends(); // what runs already is not this test's
        events = new EventLog();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Porter started = porter;
        porter = null;
        try {
            if (started != null) {
                started.stop();
            }
        } finally {
            events.close();
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
    }

    /** Writes {@code app/web.config} with these {@code <aspNetCore>} attributes, then {@link #start(Path)}. */
    public Porter start(Path app, Map<String, String> aspNetCoreAttributes) throws IOException {
        TestApps.writeWebConfig(app, aspNetCoreAttributes, Map.of());
        return start(app);
    }

    /** Porter with one site on an OS-chosen loopback port and {@code app} (its web.config written) at "/". */
    public Porter start(Path app) throws IOException {
        return start(TestApps.server(Map.of("/", app)));
    }

    public Porter start(ServerConfig config) throws IOException {
        return start(() -> Porter.start(config));
    }

    /** Starts Porter; a Porter this test started before is stopped first (a test may restart it). */
    public Porter start(Starter starter) throws IOException {
        if (porter != null) {
            porter.stop(); // idempotent: a test that restarts usually stopped it itself
            porter = null;
        }
        porter = starter.start();
        return porter;
    }

    public Porter porter() {
        if (porter == null) {
            throw new IllegalStateException("Porter is not started: call start first");
        }
        return porter;
    }

    public EventLog events() {
        return events;
    }

    public Backends backends() {
        return backends;
    }

    /** GET {@code path} from Porter on a connection of its own. */
    public RawHttp.Response get(String path) {
        return RawHttp.get(porter().port(), path, readTimeoutMillis);
    }

    /** The pid a TestBackend answers on {@code /pid}; fails unless it answers 200. */
    public long pid() {
        RawHttp.Response r = get("/pid");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return Long.parseLong(r.bodyText());
    }
}
