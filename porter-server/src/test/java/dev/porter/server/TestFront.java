package dev.porter.server;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real Porter on a loopback port for front-server tests: applications {@code /} and {@code /api}, both answered by
 * one test hosting factory (both hosting models map to it). {@code /api}'s web.config may carry request limits.
 */
final class TestFront implements AutoCloseable {

    private final Porter porter;

    private TestFront(Porter porter) {
        this.porter = porter;
    }

    static TestFront start(Path dir, HostingModelFactory factory) {
        return start(dir, factory, RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS, null);
    }

    /** @param apiRequestLimits attributes of /api's {@code <requestLimits>} element (e.g. maxUrl="10"), or null */
    static TestFront start(Path dir, HostingModelFactory factory, RequestLimits serverLimits,
            ServerConfig.WebLimits webLimits, String apiRequestLimits) {
        Path root = dir.resolve("root");
        Path api = dir.resolve("api");
        TestApps.writeWebConfig(root, Map.of("processPath", "unused"), Map.of());
        if (apiRequestLimits == null) {
            TestApps.writeWebConfig(api, Map.of("processPath", "unused"), Map.of());
        } else {
            TestApps.write(api.resolve("web.config"), """
                    <?xml version="1.0" encoding="utf-8"?>
                    <configuration>
                      <system.webServer>
                        <security><requestFiltering><requestLimits %s /></requestFiltering></security>
                        <aspNetCore processPath="unused" />
                      </system.webServer>
                    </configuration>
                    """.formatted(apiRequestLimits));
        }
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/", root);
        apps.put("/api", api);
        try {
            return new TestFront(Porter.start(TestApps.server(apps, serverLimits, webLimits),
                    ServerEnvironment.ofSystem(),
                    Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return porter.port();
    }

    RawHttp connect() throws IOException {
        return new RawHttp(port());
    }

    Porter porter() {
        return porter;
    }

    @Override
    public void close() {
        porter.stop();
    }
}
