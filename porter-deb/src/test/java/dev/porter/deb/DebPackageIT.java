package dev.porter.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built .deb as a user gets it: unpacked into a scratch root with {@code dpkg -x} (no change to this machine),
 * its launcher run from there ({@code porter --version}; the JVM's collector from the shipped jvm.options or from
 * PORTER_JAVA_OPTS), the shipped {@code /etc/porter/porter.xml} served with only its ports and folders moved into the
 * scratch root (the demo application answers, the admin endpoint's /health says serving, the access log is written),
 * and its systemd unit checked by {@code systemd-analyze verify}.
 */
class DebPackageIT {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("Admin endpoint on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private Path root;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void unpack() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "dpkg-deb is needed (Debian's dpkg)");
        Path deb = Path.of(System.getProperty("porter.deb.file"));
        assertThat(deb).isRegularFile();
        root = dir.resolve("root");
        assertThat(run(List.of("dpkg-deb", "-x", deb.toString(), root.toString())).exit).isZero();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private record Result(int exit, String output) {
    }

    private Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
        return new Result(p.exitValue(), Files.readString(out));
    }

    @Test
    void controlDataNameThePackageItsConffilesAndScripts() throws Exception {
        Path deb = Path.of(System.getProperty("porter.deb.file"));
        Result info = run(List.of("dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends"));
        assertThat(info.output()).contains("Package: porter", "Architecture: all", "Depends: adduser");
        Path control = dir.resolve("control");
        assertThat(run(List.of("dpkg-deb", "-e", deb.toString(), control.toString())).exit).isZero();
        assertThat(Files.readAllLines(control.resolve("conffiles"))).contains("/etc/porter/porter.xml",
                "/etc/default/porter");
        assertThat(Files.readString(control.resolve("postinst"))).contains("adduser --system", "/var/log/porter");
        assertThat(root.resolve("usr/bin/porter")).isExecutable();
    }

    @Test
    void theLauncherRunsFromTheUnpackedTreeAndServesTheShippedConfiguration() throws Exception {
        Result version = run(List.of(root.resolve("usr/bin/porter").toString(), "--version"));
        assertThat(version.exit()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("Porter ");

        Path logs = Files.createDirectories(dir.resolve("var-log-porter"));
        String xml = Files.readString(root.resolve("etc/porter/porter.xml"))
                .replace("*:8080:", "127.0.0.1:0:").replace("127.0.0.1:9090:", "127.0.0.1:0:")
                .replace("/usr/share/porter/demo", root.resolve("usr/share/porter/demo").toString())
                .replace("/var/log/porter", logs.toString());
        Path config = dir.resolve("porter.xml");
        Files.writeString(config, xml);
        Path console = dir.resolve("console.txt");
        Process porter = new ProcessBuilder(root.resolve("usr/bin/porter").toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        started.add(porter);
        await().atMost(Duration.ofSeconds(60)).until(() -> !porter.isAlive()
                || ADMIN.matcher(Files.readString(console)).find());
        String log = Files.readString(console);
        int port = port(LISTENING, log);
        int admin = port(ADMIN, log);

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> hello = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hello.statusCode()).as(Files.readString(console)).isEqualTo(200);
        assertThat(hello.body()).contains("Hello from Porter sample");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
                + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(logs.resolve("W3SVC1")).isDirectory());

        porter.toHandle().destroy(); // SIGTERM, as systemd stops it
        assertThat(porter.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(porter.exitValue()).as(Files.readString(console)).isZero();
    }

    @Test
    void theLauncherStartsTheJvmWithTheShippedDefaultOptionsUnlessPorterJavaOptsNamesACollector() throws Exception {
        assertThat(root.resolve("usr/share/porter/jvm.options")).hasContent(Files.readString(Path.of("..", "bin",
                "jvm.options")));
        // read by the same script as bin/porter's, shipped beside it
        assertThat(root.resolve("usr/share/porter/jvm-options")).hasContent(Files.readString(Path.of("..", "bin",
                "jvm-options"))).isExecutable();
        String launcher = root.resolve("usr/bin/porter").toString();
        Result byDefault = run(List.of(launcher, "--version"), Map.of("PORTER_JAVA_OPTS",
                "-XX:+PrintCommandLineFlags"));
        assertThat(byDefault.exit()).as(byDefault.output()).isZero();
        assertThat(byDefault.output()).contains("-XX:+UseParallelGC");
        Result serial = run(List.of(launcher, "--version"), Map.of("PORTER_JAVA_OPTS",
                "-XX:+UseSerialGC -XX:+PrintCommandLineFlags"));
        assertThat(serial.exit()).as(serial.output()).isZero();
        assertThat(serial.output()).contains("-XX:+UseSerialGC").doesNotContain("-XX:+UseParallelGC");
    }

    @Test
    void theSystemdUnitIsHardenedAndSystemdAnalyzeAcceptsIt() throws Exception {
        Path unit = root.resolve("lib/systemd/system/porter.service");
        assertThat(Files.readString(unit)).contains("User=porter", "ProtectSystem=strict", "Restart=on-failure",
                "NoNewPrivileges=yes", "ExecStart=/usr/bin/porter serve /etc/porter/porter.xml");
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Path hostUnits = Path.of("/usr/lib/systemd/system");
        assumeTrue(Files.isExecutable(analyze) && Files.isDirectory(hostUnits),
                "systemd-analyze (Debian's systemd, installed by .ci/run) is needed to verify the unit");
        // The unit's dependencies (sysinit.target, network-online.target...) are the machine's: give the scratch
        // root a copy, so that verify resolves everything inside it, ExecStart included.
        Path units = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        assertThat(run(List.of("cp", "-a", hostUnits + "/.", units.toString())).exit).isZero();
        Result verify = run(List.of(analyze.toString(), "verify", "--root=" + root, "porter.service"));
        // verify exits 0 on some problems it only warns about ("ignoring"): nothing at all must be said
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output().lines().filter(l -> !l.isBlank())).as(verify.output()).isEmpty();
        // systemd's own hardening score (0 best, 10 worst): 3.1 now; more exposure fails here
        Result security = run(List.of(analyze.toString(), "security", "--offline=true", "--threshold=35",
                unit.toString()));
        assertThat(security.exit()).as(security.output()).isZero();
    }

    private static int port(Pattern pattern, String log) {
        Matcher m = pattern.matcher(log);
        assertThat(m.find()).as(log).isTrue();
        return Integer.parseInt(m.group(1));
    }

}
