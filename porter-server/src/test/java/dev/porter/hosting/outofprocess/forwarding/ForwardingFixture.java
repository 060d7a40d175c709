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
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real Porter whose only application forwards every request with a {@link Forwarder} to a backend the test started
 * itself on 127.0.0.1. Close it: it closes the forwarder and stops the server.
 */
final class ForwardingFixture implements AutoCloseable {

    static final String TOKEN = "test-pairing-token-42";

    /** What the sender answers an unsettled outcome with, in {@link #startSending} fixtures. */
    static final String SENDER_ANSWER = "answered by the sender: ";

    final Forwarder forwarder;
    final Porter porter;
    /** The outcomes {@link Forwarder#send} reported, in {@link #startSending} fixtures. */
    final List<ForwardOutcome> outcomes;

    private ForwardingFixture(Forwarder forwarder, Porter porter, List<ForwardOutcome> outcomes) {
        this.forwarder = forwarder;
        this.porter = porter;
        this.outcomes = outcomes;
    }

    static ForwardingFixture start(Path dir, int backendPort) throws IOException {
        return start(dir, backendPort, new ForwardingOptions(Duration.ofSeconds(30), false, true));
    }

    static ForwardingFixture start(Path dir, int backendPort, ForwardingOptions options) throws IOException {
        return start(dir, backendPort, options, false);
    }

    /**
     * A fixture whose application sends with {@link Forwarder#send}, records each outcome, and answers an unsettled one
     * itself: 503 with {@link #SENDER_ANSWER} and the outcome, so a test sees that the forwarder left it alone.
     */
    static ForwardingFixture startSending(Path dir, int backendPort) throws IOException {
        return start(dir, backendPort, new ForwardingOptions(Duration.ofSeconds(30), false, true), true);
    }

    private static ForwardingFixture start(Path dir, int backendPort, ForwardingOptions options, boolean sending)
            throws IOException {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "unused", "hostingModel", "outofprocess"), Map.of());
        Forwarder forwarder = new Forwarder(
                new BackendTarget(new InetSocketAddress("127.0.0.1", backendPort), TOKEN), options);
        List<ForwardOutcome> outcomes = new CopyOnWriteArrayList<>();
        HostingModelFactory factory = context -> new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                if (!sending) {
                    forwarder.forward(exchange);
                    return;
                }
                forwarder.send(exchange, (ex, outcome, unused) -> {
                    outcomes.add(outcome);
                    if (!outcome.settled() && !ex.isDone()) {
                        ex.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain",
                                (SENDER_ANSWER + outcome).getBytes(StandardCharsets.UTF_8));
                    }
                }, null);
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
        return new ForwardingFixture(forwarder, porter, outcomes);
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
