package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.server.Exchange;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A real Porter whose only application forwards every request with a {@link Forwarder} to a backend the test started
 * itself on 127.0.0.1. Close it: it closes the forwarder and stops the server.
 */
final class ForwardingFixture implements AutoCloseable {

    static final String TOKEN = "test-pairing-token-42";

    final Forwarder forwarder;
    final Porter porter;

    private ForwardingFixture(Forwarder forwarder, Porter porter) {
        this.forwarder = forwarder;
        this.porter = porter;
    }

    static ForwardingFixture start(Path dir, int backendPort) throws IOException {
        return start(dir, backendPort, new ForwardingOptions(Duration.ofSeconds(30), false, true));
    }

    static ForwardingFixture start(Path dir, int backendPort, ForwardingOptions options) throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused", "hostingModel", "outofprocess"), Map.of());
        Forwarder forwarder = new Forwarder(
                new BackendTarget(new InetSocketAddress("127.0.0.1", backendPort), TOKEN), options);
        HostingModelFactory factory = context -> new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                forwarder.forward(exchange);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                forwarder.close();
                return CompletableFuture.completedFuture(null);
            }
        };
        ServerConfig defaults = TestApps.server(Map.of("/", app));
        // IIS's largest maxAllowedContentLength, so the big-transfer tests are not stopped at 30 MB by the front server
        ServerConfig config = new ServerConfig(defaults.file(), defaults.sites(), new RequestLimits(4_294_967_295L,
                RequestLimits.DEFAULT_MAX_URL, RequestLimits.DEFAULT_MAX_QUERY_STRING), defaults.webLimits());
        Porter porter = Porter.start(config, ServerEnvironment.ofSystem(),
                Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory));
        return new ForwardingFixture(forwarder, porter);
    }

    int port() {
        return porter.port();
    }

    @Override
    public void close() {
        forwarder.close();
        porter.stop();
    }
}
