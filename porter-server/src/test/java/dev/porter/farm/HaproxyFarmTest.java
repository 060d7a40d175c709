package dev.porter.farm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The farm proven with the real thing: runs {@code farm/run} (a real HAProxy and three Porter nodes, each in a network
 * namespace of its own, on one shared porter.xml, HAProxy sending PROXY v2 and checking /health, wrk as the client)
 * with this build's Porter, and asserts what it measured: the client address the applications see, what a SIGKILL
 * and a rolling restart cost under load (by wrk's count and by HAProxy's own stats and log), and that a deploy to the
 * share (app_offline.htm, web.config, a new jar with shadow copy) reaches every node. Needs root (for
 * {@code ip netns}), haproxy, wrk and curl, which {@code .ci/run} installs; without them it is skipped and says which
 * is missing. {@code -Dporter.farm.skip} leaves it out (it takes two to five minutes).
 */
class HaproxyFarmTest {

    /** A failure guard for a deploy's pick-up (a poll and a debounce take about 1 s), not the 2 s figure. */
    private static final long PICK_UP_GUARD_MS = 15_000;

    private static final Pattern NAMESPACES = Pattern.compile("namespaces (pf\\d+)\\*");

    @TempDir
    Path dir;

    private Process farm;
    private Path console;

    @AfterEach
    void cleanUp() throws Exception {
        if (farm != null && farm.isAlive()) {
            farm.destroy(); // SIGTERM: the script's trap removes its namespaces and every process in them
            if (!farm.waitFor(60, TimeUnit.SECONDS)) {
                farm.destroyForcibly();
            }
        }
        // Whatever happened to the script, none of its namespaces outlives the test.
        if (console != null && Files.exists(console)) {
            Matcher m = NAMESPACES.matcher(Files.readString(console));
            if (m.find()) {
                String id = m.group(1);
                for (String suffix : List.of("c", "lb", "n1", "n2", "n3")) {
                    String ns = id + suffix;
                    String pids = run("ip", "netns", "pids", ns);
                    for (String pid : pids.split("\\s+")) {
                        if (!pid.isBlank()) {
                            ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                    run("ip", "netns", "del", ns);
                }
            }
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? out : "";
    }

    private static boolean installed(String tool) {
        return List.of("/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/").stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d + tool)));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES) // the script's phases take about three minutes; each has a guard
    void threeNodesBehindHaproxy() throws Exception {
        assumeTrue(!Boolean.getBoolean("porter.farm.skip"), "-Dporter.farm.skip");
        for (String tool : List.of("haproxy", "wrk", "curl", "ip")) {
            assumeTrue(installed(tool), tool + " is not installed (.ci/run installs it): the farm is not tested");
        }
        assumeTrue("root".equals(System.getProperty("user.name")), "not root: ip netns needs root");
        String probe = "pfprobe" + ProcessHandle.current().pid();
        Process add = new ProcessBuilder("ip", "netns", "add", probe).redirectErrorStream(true).start();
        String why = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(add.waitFor(30, TimeUnit.SECONDS) && add.exitValue() == 0,
                "'ip netns add' failed here (" + why.strip() + "): the farm is not tested");
        run("ip", "netns", "del", probe);

        Path repository = Path.of(System.getProperty("user.dir")).getParent();
        String java = TestApps.javaExecutable();
        String porter = String.join(" ", java, "--enable-native-access=ALL-UNNAMED", "--add-exports",
                "jdk.httpserver/sun.net.httpserver=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "dev.porter.cli.PorterCommand");
        console = dir.resolve("farm.txt");
        Path work = dir.resolve("work");
        ProcessBuilder builder = new ProcessBuilder(repository.resolve("farm/run").toString(), work.toString())
                .redirectErrorStream(true).redirectOutput(console.toFile());
        builder.environment().put("PORTER_CMD", porter);
        builder.environment().put("FARM_JAVA", java);
        builder.environment().put("FARM_TESTAPPS", Backends.classpath());
        farm = builder.start();
        boolean finished = farm.waitFor(15, TimeUnit.MINUTES);
        String output = Files.readString(console);
        System.out.println(output); // the figures, for RELIABILITY.md
        assertThat(finished).as("farm/run finished:\n%s", output).isTrue();
        assertThat(farm.exitValue()).as("farm/run's exit code:\n%s", output).isZero();

        Map<String, String> r = new HashMap<>();
        for (String line : Files.readAllLines(work.resolve("results.txt"))) {
            int eq = line.indexOf('=');
            r.put(line.substring(0, eq), line.substring(eq + 1));
        }
        String client = r.get("client_address");
        // (a) The applications see the client wrk runs in, not HAProxy (whose addresses towards the nodes differ).
        assertThat(r.get("seen_out_of_process")).as("X-Forwarded-For at the out-of-process app").isEqualTo(client);
        assertThat(r.get("seen_in_process")).as("getRemoteAddress() in-process").isEqualTo(client);
        assertThat(r.get("balancer_address_towards_nodes")).doesNotContain(client);
        assertThat(r.get("distinct_backend_pids")).as("all three nodes served").isEqualTo("3");
        assertThat(r.get("access_logs_with_client_address")).as("nodes whose access log has the client").isEqualTo("3");
        assertThat(r.get("access_logs_on_share")).as("access logs written to the share").isEqualTo("0");
        // (b) A SIGKILL costs only the requests in flight on the killed node, and with HAProxy's L7 retries (retry-on
        // empty-response, redispatch) not even those: every request the dead node held is sent again to another node.
        // Counted by HAProxy itself: its current sessions on node 1 just before the signal, and its log, which has a
        // line for every request that was not normal (a retry, a redispatch, an error). Every request the client
        // lost is one of those lines (a failure on node 1); none was lost on the two nodes left running.
        long killLost = Long.parseLong(r.get("kill_non2xx")) + Long.parseLong(r.get("kill_socket_errors"));
        assertThat(Long.parseLong(r.get("kill_requests"))).isPositive();
        assertThat(r.get("kill_errors_on_other_nodes")).as("errors HAProxy saw on the nodes left running")
                .isEqualTo("0");
        assertThat(killLost).as("requests lost to the SIGKILL (non-2xx + socket errors)")
                .isLessThanOrEqualTo(Long.parseLong(r.get("kill_in_flight")))
                .as("requests lost to the SIGKILL, each one a failure in HAProxy's log")
                .isEqualTo(Long.parseLong(r.get("kill_logged_failed")));
        assertThat(r.get("kill_logged_retried_not_2xx")).as("re-sent requests that did not end in a 2xx")
                .isEqualTo("0");
        assertThat(r.get("kill_logged_retried_to_node1")).as("re-sent requests that ended on the dead node")
                .isEqualTo("0");
        // (c) A rolling restart of all three under load costs nothing.
        assertThat(r.get("roll_within_load")).as("the whole rolling restart happened under load").isEqualTo("yes");
        assertThat(Long.parseLong(r.get("roll_requests"))).isPositive();
        assertThat(r.get("roll_non2xx")).as("non-2xx answers during the rolling restart").isEqualTo("0");
        assertThat(r.get("roll_socket_errors")).as("socket errors during the rolling restart").isEqualTo("0");
        // (d) A deploy to the share reaches every node: the script waits until all three answer as the deploy says
        // (and fails after 60 s), and times each node by its own log (Porter's timestamps): app_offline.htm needs
        // nothing started, so every node answers 503 one poll later (the share is polled every 500 ms); a
        // web.config change and a new jar copied over the running one (a poll, then 500 ms without further writes)
        // are picked up the same way, the jar by each node from a shadow copy in its own directory, never on the
        // share. The 2 s is a figure (RELIABILITY.md: 0.26-1.1 s at load 30), not asserted here: on a
        // starved CI machine a poll thread can wait its turn for longer, and a test never asserts a margin of a few
        // hundred milliseconds. What is asserted is that every node picks the deploy up by itself, well inside the
        // script's 60 s; what follows a pick-up is the application's own JVM start (overlapped), also a figure.
        assertThat(Long.parseLong(r.get("deploy_app_offline_ms"))).as("ms until all three nodes were offline")
                .isLessThanOrEqualTo(PICK_UP_GUARD_MS);
        assertThat(r).containsKeys("deploy_back_online_ms", "deploy_web_config_ms", "deploy_jar_served_ms");
        assertThat(Long.parseLong(r.get("deploy_web_config_picked_up_ms")))
                .as("ms until all three nodes had picked up the web.config change")
                .isLessThanOrEqualTo(PICK_UP_GUARD_MS);
        assertThat(Long.parseLong(r.get("deploy_jar_picked_up_ms")))
                .as("ms until all three nodes had picked up the new jar").isLessThanOrEqualTo(PICK_UP_GUARD_MS);
        assertThat(r.get("nodes_with_own_shadow_copy")).as("nodes running from a shadow copy of their own")
                .isEqualTo("3");
        assertThat(r.get("shadow_copies_on_share")).as("shadow copies written to the share").isEqualTo("0");
        assertThat(run("ip", "netns", "list")).as("namespaces left behind").doesNotContain(r.get("namespaces"));
    }
}
