package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.hosting.outofprocess.ListeningSockets.Listener;
import dev.porter.testing.TestApps;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start diagnostics in plain words (issue #15): a child that is alive but answers HTTP on another port than
 * {@code ASPNETCORE_PORT} fails its start in seconds, not after twice {@code startupTimeLimit}, with the port it does
 * listen on in the log and on the (Development) 502.5 page; a child reachable from other machines gets a warning.
 * Real children: Python's {@code http.server}.
 */
class StartDiagnosisTest {

    @TempDir
    Path dir;

    private final EventLog events = new EventLog();
    private Porter porter;
    private HttpClient client;

    @AfterEach
    void stop() {
        try {
            if (client != null) {
                client.close();
            }
            if (porter != null) {
                porter.stop();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                    .filter(ProcessHandle::isAlive)
                    .noneMatch(p -> p.info().commandLine().orElse("").contains("http.server")));
        } finally {
            events.close();
        }
    }

    private HttpResponse<String> get(Path app) throws Exception {
        porter = Porter.start(TestApps.server(Map.of("/", app)));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        // the request timeout is a failure guard far below the 2 x 300 s that waiting for startupTimeLimit takes
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + porter.port() + "/"))
                .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAppOnAnotherPortFailsInSecondsNamingThatPort() throws Exception {
        Path app = Files.createDirectories(dir.resolve("py"));
        // The port Porter gives the app is one this test holds bound (not listening) for the test's length, so that
        // the port Python takes for itself can never be it; Python ignores it and listens on a port the OS picks
        // (0), which it prints (-u: unbuffered).
        try (Socket reserved = boundInPortersRange()) {
            String given = Integer.toString(reserved.getLocalPort());
            TestApps.writeWebConfig(app, Map.of("processPath", "python3",
                    "arguments", "-u -m http.server 0 --bind 127.0.0.1", "hostingModel", "outofprocess",
                    "startupTimeLimit", "300"),
                    Map.of("ASPNETCORE_ENVIRONMENT", "Development", "ASPNETCORE_PORT", given));

            HttpResponse<String> response = get(app);

            assertThat(response.statusCode()).isEqualTo(502);
            Matcher named = Pattern.compile("answers HTTP on 127\\.0\\.0\\.1:(\\d+), not on port (\\d+)")
                    .matcher(response.body());
            assertThat(named.find()).as(response.body()).isTrue();
            assertThat(named.group(2)).isEqualTo(given);
            // what Python itself printed names the same port
            assertThat(response.body()).contains("Serving HTTP on 127.0.0.1 port " + named.group(1));
            assertThat(response.body()).contains("ASPNETCORE_PORT");
            assertThat(events.events(1000)).anyMatch(e -> e.contains("answers HTTP on 127.0.0.1:" + named.group(1)));
            assertThat(events.events(1020)).as("no second attempt, no 'Failed to bind'").isEmpty();
        }
    }

    /** A socket bound (not listening) to a loopback port the OS chose within ASPNETCORE_PORT's range 1025-48000. */
    private static Socket boundInPortersRange() throws java.io.IOException {
        for (int i = 0; i < 1000; i++) {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            if (PortPicker.isInRange(socket.getLocalPort())) {
                return socket;
            }
            socket.close();
        }
        throw new IllegalStateException("the OS chose no free port within " + PortPicker.MIN_PORT + "-"
                + PortPicker.MAX_PORT);
    }

    @Test
    void anAppOnEveryInterfaceGetsAWarningNamingTheAddress() throws Exception {
        Path app = Files.createDirectories(dir.resolve("py"));
        Files.writeString(app.resolve("index.html"), "open to all\n");
        TestApps.writeWebConfig(app, Map.of("processPath", "python3",
                "arguments", "-m http.server %ASPNETCORE_PORT% --bind 0.0.0.0", "hostingModel", "outofprocess"),
                Map.of());

        HttpResponse<String> response = get(app);

        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events.events(1000))
                .anyMatch(e -> e.matches(".*listens on 0\\.0\\.0\\.0:\\d+ \\(every interface\\), where other machines "
                        + "can reach it.*")));
    }

    @Test
    void readsTheListenersOfItsOwnProcessFromProc() throws Exception {
        try (ServerSocket loopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket any = new ServerSocket()) {
            any.bind(new InetSocketAddress(0));
            List<Listener> mine = ListeningSockets.of(ProcessHandle.current());
            assertThat(mine).contains(new Listener(InetAddress.getLoopbackAddress(), loopback.getLocalPort()));
            assertThat(mine).anyMatch(l -> l.port() == any.getLocalPort() && l.address().isAnyLocalAddress());
        }
    }

    @Test
    void parsesProcNetTcpLines() throws Exception {
        Set<Long> ours = Set.of(1276L, 144094L, 9L);
        assertThat(ListeningSockets.parse("   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                + "00000000     0        0 1276 1 00000000ff7e0353 100 0 0 10 0", ours))
                .isEqualTo(new Listener(InetAddress.getByName("127.0.0.1"), 8080));
        assertThat(ListeningSockets.parse("   0: 0000000000000000FFFF00000100007F:AA19 "
                + "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
                + "144094 1 000000007f49b873 100 0 0 10 0", ours))
                .isEqualTo(new Listener(InetAddress.getByName("127.0.0.1"), 0xAA19));
        assertThat(ListeningSockets.parse("   1: 00000000000000000000000001000000:0050 "
                + "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
                + "9 1", ours)).isEqualTo(new Listener(InetAddress.getByName("::1"), 80));
        // not listening (01 = established), or not our inode
        assertThat(ListeningSockets.parse("   0: 0100007F:1F90 0100007F:9999 01 00000000:00000000 00:00000000 "
                + "00000000     0        0 1276 1", ours)).isNull();
        assertThat(ListeningSockets.parse("   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                + "00000000     0        0 5555 1", ours)).isNull();
        // fields split by any run of whitespace, the inode the last one needed; malformed lines are nobody's
        assertThat(ListeningSockets.parse("\t0:\t0100007F:1F90  00000000:0000\t 0A 00000000:00000000 00:00000000 "
                + "00000000 0 0 1276\n", ours)).isEqualTo(new Listener(InetAddress.getByName("127.0.0.1"), 8080));
        assertThat(ListeningSockets.parse("   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                + "00000000     0        0", ours)).isNull(); // no inode
        assertThat(ListeningSockets.parse("   0: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 "
                + "00000000     0        0 1276 1", ours)).isNull(); // no port
        assertThat(ListeningSockets.parse("   0: 0100007F:1F90 00000000:0000 0A0 00000000:00000000 00:00000000 "
                + "00000000     0        0 1276 1", ours)).isNull(); // a state that only starts with 0A
        assertThat(ListeningSockets.parse("", ours)).isNull();
        assertThat(ListeningSockets.parse("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                + "retrnsmt   uid  timeout inode", ours)).isNull(); // the header
    }

    @Test
    void misfitsAreDecidedFromTheListeners() throws Exception {
        InetAddress lan = InetAddress.getByName("192.0.2.10");
        InetAddress any = InetAddress.getByName("0.0.0.0");
        InetAddress loop = InetAddress.getByName("127.0.0.1");
        InetAddress loop6 = InetAddress.getByName("::1");
        assertThat(StartDiagnosis.misfit(List.of(), 5000, l -> true)).isNull();
        assertThat(StartDiagnosis.misfit(List.of(new Listener(any, 5000)), 5000, l -> true)).isNull();
        assertThat(StartDiagnosis.misfit(List.of(new Listener(loop, 5000), new Listener(lan, 8080)), 5000,
                l -> true)).isNull();
        assertThat(StartDiagnosis.misfit(List.of(new Listener(loop6, 5000)), 5000, l -> true))
                .contains("only at [0:0:0:0:0:0:0:1]:5000");
        assertThat(StartDiagnosis.misfit(List.of(new Listener(lan, 5000)), 5000, l -> true))
                .contains("only at 192.0.2.10:5000");
        // a debugger's port that does not answer HTTP is no misfit: the app may still be starting
        assertThat(StartDiagnosis.misfit(List.of(new Listener(any, 5005)), 5000, l -> false)).isNull();
        assertThat(StartDiagnosis.misfit(List.of(new Listener(any, 5005), new Listener(loop, 8080)), 5000,
                l -> l.port() == 8080)).contains("answers HTTP on 127.0.0.1:8080, not on port 5000");
        assertThat(StartDiagnosis.exposure(List.of(new Listener(loop, 5000), new Listener(loop6, 5001)), 5000))
                .isNull();
        assertThat(StartDiagnosis.exposure(List.of(new Listener(any, 5000)), 5000))
                .contains("0.0.0.0:5000 (every interface)").contains("server.address=127.0.0.1");
        assertThat(ProcessEvents.explain(0x8007042B, 5000)).contains("exited before it listened on port 5000");
    }
}
