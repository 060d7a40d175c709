package dev.porter.reliability;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.outofprocess.forwarding.BackendTarget;
import dev.porter.hosting.outofprocess.forwarding.Forwarder;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import dev.porter.server.Exchange;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real Porter (one site on a loopback port, one application at {@code /}) whose application records every request
 * that reaches it, by one of two legs:
 * <ul>
 * <li>{@link Leg#FORWARDED}: the out-of-process forwarder to a {@link RecordingRawBackend} (a strict raw-socket
 * backend that checks the pairing token), i.e. the path a request takes to an out-of-process app;</li>
 * <li>{@link Leg#IN_JVM}: a handler on the exchange's event loop that records the {@link Exchange} as handed over,
 * i.e. the point where an in-process app gets its request.</li>
 * </ul>
 * Close it: it stops the server and the backend.
 */
final class Front implements AutoCloseable {

    static final String TOKEN = "reliability-pairing-token";

    enum Leg { FORWARDED, IN_JVM }

    final Leg leg;
    final Porter porter;
    private final RecordingRawBackend backend;
    private final List<Seen> inJvmSeen = new CopyOnWriteArrayList<>();

    private Front(Leg leg, Path dir, ServerConfig.WebLimits webLimits, Duration requestTimeout) throws IOException {
        this.leg = leg;
        this.backend = leg == Leg.FORWARDED ? new RecordingRawBackend(TOKEN) : null;
        HostingModelFactory factory = leg == Leg.FORWARDED ? context -> forwarding(requestTimeout) : context -> recorder();
        Path app = dir.resolve("app-" + leg.name().toLowerCase());
        TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
        ServerConfig config = TestApps.server(Map.of("/", app), RequestLimits.DEFAULTS, webLimits);
        try {
            this.porter = Porter.start(config, ServerEnvironment.ofSystem(),
                    Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory));
        } catch (IOException | RuntimeException e) {
            if (backend != null) {
                backend.close();
            }
            throw e;
        }
    }

    static Front start(Leg leg, Path dir) throws IOException {
        return new Front(leg, dir, ServerConfig.WebLimits.DEFAULTS, Duration.ofSeconds(30));
    }

    static Front start(Leg leg, Path dir, ServerConfig.WebLimits webLimits) throws IOException {
        return new Front(leg, dir, webLimits, Duration.ofSeconds(30));
    }

    int port() {
        return porter.port();
    }

    RawHttp connect() throws IOException {
        return new RawHttp("127.0.0.1", port(), 10_000);
    }

    /** Every request the application saw so far, in arrival order. */
    List<Seen> seen() {
        return leg == Leg.FORWARDED ? backend.seen : inJvmSeen;
    }

    int backendPort() {
        return backend.port();
    }

    private ApplicationHandler forwarding(Duration requestTimeout) {
        Forwarder forwarder = new Forwarder(new BackendTarget(new InetSocketAddress("127.0.0.1", backend.port()), TOKEN),
                new ForwardingOptions(requestTimeout, false, true));
        return new ApplicationHandler() {
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
    }

    private ApplicationHandler recorder() {
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                List<String[]> headers = new ArrayList<>();
                exchange.request().headers().forEach(h -> headers.add(new String[] {h.getKey(), h.getValue()}));
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                boolean[] answered = {false};
                Runnable answer = () -> {
                    if (answered[0]) {
                        return;
                    }
                    answered[0] = true;
                    inJvmSeen.add(new Seen(exchange.request().method().name(), exchange.request().uri(), headers,
                            body.toByteArray(), null));
                    if (!exchange.isDone() && !exchange.isHeadWritten()) {
                        exchange.respond(HttpResponseStatus.OK, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
                    }
                };
                exchange.receiveBody(content -> {
                    body.writeBytes(ByteBufUtil.getBytes(content.content()));
                    content.release();
                    if (content instanceof LastHttpContent) {
                        answer.run();
                    }
                });
                if (exchange.isRequestComplete()) {
                    answer.run();
                }
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }

    @Override
    public void close() throws IOException {
        try {
            porter.stop();
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }
}
