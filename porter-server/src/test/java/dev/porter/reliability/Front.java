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
 * and with Porter's real hosting models, the recording app in a child process or an app domain:
 * <ul>
 * <li>{@link Leg#OUT_OF_PROCESS}: the process manager starts {@link RecordingBackendMain} (the strict parser) as the
 * app's child process, requests are forwarded with its pairing token;</li>
 * <li>{@link Leg#IN_PROCESS}: in-process hosting runs {@link RecordingInProcessApp} from its own jar.</li>
 * </ul>
 * Those two write what they saw to a file ({@link RecordLog}). Close it: it stops the server and the backend.
 */
final class Front implements AutoCloseable {

    static final String TOKEN = "reliability-pairing-token";

    enum Leg {
        FORWARDED, IN_JVM, OUT_OF_PROCESS, IN_PROCESS;

        /** Whether requests go over the wire to a backend with the pairing token (the anti-forgery rules apply). */
        boolean forwards() {
            return this == FORWARDED || this == OUT_OF_PROCESS;
        }
    }

    final Leg leg;
    final Porter porter;
    private final RecordingRawBackend backend;
    private final List<Seen> inJvmSeen = new CopyOnWriteArrayList<>();
    private final Path recordFile;

    private Front(Leg leg, Path dir, ServerConfig.WebLimits webLimits, Duration requestTimeout) throws IOException {
        this.leg = leg;
        this.backend = leg == Leg.FORWARDED ? new RecordingRawBackend(TOKEN) : null;
        Path app = dir.resolve("app-" + leg.name().toLowerCase());
        this.recordFile = app.resolve("requests.log");
        switch (leg) {
            case FORWARDED, IN_JVM -> TestApps.writeWebConfig(app, Map.of("processPath", "unused"), Map.of());
            case OUT_OF_PROCESS -> TestApps.writeWebConfig(app, Map.of("processPath", TestApps.javaExecutable(),
                    "arguments", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp " + System.getProperty("java.class.path")
                            + " " + RecordingBackendMain.class.getName(),
                    "requestTimeout", "00:00:30"), Map.of("RECORD_FILE", recordFile.toString()));
            case IN_PROCESS -> {
                jar(app.resolve("app.jar"), RecordingInProcessApp.class);
                TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-jar app.jar",
                        "hostingModel", "inprocess"), Map.of("RECORD_FILE", recordFile.toString()));
            }
        }
        ServerConfig config = TestApps.server(Map.of("/", app), RequestLimits.DEFAULTS, webLimits);
        try {
            if (leg == Leg.FORWARDED || leg == Leg.IN_JVM) {
                HostingModelFactory factory = leg == Leg.FORWARDED ? context -> forwarding(requestTimeout)
                        : context -> recorder();
                this.porter = Porter.start(config, ServerEnvironment.ofSystem(),
                        Map.of(HostingModel.OUT_OF_PROCESS, factory, HostingModel.IN_PROCESS, factory));
            } else {
                this.porter = Porter.start(config);
            }
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
        return switch (leg) {
            case FORWARDED -> backend.seen;
            case IN_JVM -> inJvmSeen;
            case OUT_OF_PROCESS, IN_PROCESS -> RecordLog.read(recordFile);
        };
    }

    /** A jar holding one class (and its nested classes), with it as Main-Class. */
    static Path jar(Path jar, Class<?> main) {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MAIN_CLASS, main.getName());
        try {
            java.nio.file.Files.createDirectories(jar.getParent());
            Path classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI());
            String prefix = main.getName().replace('.', '/');
            try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(
                    java.nio.file.Files.newOutputStream(jar), manifest);
                    java.util.stream.Stream<Path> files = java.nio.file.Files.walk(classes)) {
                for (Path f : files.filter(f -> {
                    String rel = classes.relativize(f).toString();
                    return rel.equals(prefix + ".class") || rel.startsWith(prefix + "$");
                }).toList()) {
                    out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString()));
                    out.write(java.nio.file.Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    int backendPort() {
        return backend.port();
    }

    /** Body bytes the recording backend wrote for {@code /big/N} requests (FORWARDED only). */
    long backendBigBytes() {
        return backend.bigBytesWritten.get();
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
