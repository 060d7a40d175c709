package dev.porter.bench.jmh;

import dev.porter.config.ServerConfig;
import dev.porter.server.RequestHandler;
import dev.porter.server.RequestTarget;
import dev.porter.server.Router;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Per-request front-server work before a handler runs: target parsing and routing among 20 applications. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {

    private Router router;
    private InetSocketAddress local;

    @Setup
    public void setUp() {
        List<ServerConfig.Application> apps = new ArrayList<>();
        apps.add(new ServerConfig.Application("/", Path.of("/srv/root")));
        for (int i = 0; i < 19; i++) {
            apps.add(new ServerConfig.Application("/app" + i, Path.of("/srv/app" + i)));
        }
        ServerConfig.Site site = new ServerConfig.Site("Default Web Site", 1,
                List.of(new ServerConfig.Binding("http", "*", 8080, "")), apps,
                new ServerConfig.LogFile(false, Path.of("/tmp")));
        RequestHandler handler = exchange -> { };
        router = new Router(List.of(site), (s, a) -> handler);
        local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    }

    @Benchmark
    public Object parseTarget() throws Exception {
        return RequestTarget.parse("/app17/orders/42/items?expand=true&page=2");
    }

    @Benchmark
    public Object parseTargetWithEscapes() throws Exception {
        return RequestTarget.parse("/app17/caf%C3%A9/./x/../y?q=%20");
    }

    @Benchmark
    public Object route() {
        return router.route(local, "example.com:8080", "/app17/orders/42/items");
    }
}
