package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.porter.config.ServerConfig;
import dev.porter.config.WebConfig;
import dev.porter.config.WebConfigParser;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.outofprocess.forwarding.ForwardingOptions;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process manager on its own, against real TestBackend children: launch, environment, readiness, start failures,
 * crash detection, rapid fails and graceful stop. The tests talk to the child's port directly.
 */
class ProcessManagerTest {

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final List<ProcessManager> managers = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (ProcessManager m : managers) {
            m.stop(p -> { }).orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
    }

    private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();

    private ProcessManager manager(Map<String, String> attributes, Map<String, String> env,
            Map<String, String> serverEnv) throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        TestApps.writeWebConfig(app, attributes, env);
        ServerConfig server = TestApps.server(Map.of("/", app));
        ServerEnvironment environment = new ServerEnvironment(serverEnv).withClock(clock::get);
        WebConfig webConfig = new WebConfigParser(environment.expander()).parse(app.resolve("web.config"));
        ApplicationContext context = new ApplicationContext(server, server.sites().getFirst(),
                server.sites().getFirst().applications().getFirst(), webConfig, environment);
        ProcessManager manager = new ProcessManager(context,
                ModuleDebugLog.of(webConfig.aspNetCore(), app, environment),
                ForwardingOptions.of(webConfig.aspNetCore(), true));
        managers.add(manager);
        return manager;
    }

    private static Map<String, String> systemEnvWith(String... pairs) {
        Map<String, String> env = new HashMap<>(System.getenv());
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static BackendProcess ready(CompletableFuture<BackendProcess> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    @Test
    void givesTheChildTheEnvironmentOfSection1_2() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OtherVariable", "%TestVariable%;Hello");
        env.put("ASPNETCORE_IIS_HTTPAUTH", "shouldberemoved");
        env.put("ASPNETCORE_APPL_PATH", "/discarded");
        env.put("INHERITED_ONE", "from web.config");
        ProcessManager manager = manager(Backends.attributes(List.of()), env,
                systemEnvWith("TestVariable", "World", "INHERITED_ONE", "from server", "INHERITED_TWO", "kept",
                        "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", "Asm1"));
        BackendProcess process = ready(manager.processFor());

        String body = Backends.get(process.port(), "/env").bodyText();
        Map<String, String> seen = new HashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                seen.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertThat(seen).containsEntry("OtherVariable", "World;Hello")
                .containsEntry("INHERITED_ONE", "from web.config")
                .containsEntry("INHERITED_TWO", "kept")
                .containsEntry("ASPNETCORE_PORT", Integer.toString(process.port()))
                .containsEntry("ASPNETCORE_APPL_PATH", "/")
                .containsEntry("ASPNETCORE_TOKEN", process.token())
                .containsEntry("ASPNETCORE_IIS_HTTPAUTH", "anonymous;")
                .containsEntry("ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED", "true")
                .containsEntry("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES",
                        "Asm1;Microsoft.AspNetCore.Server.IISIntegration")
                .doesNotContainKey("ASPNETCORE_ANCM_HTTPS_PORT");
        assertThat(process.token()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(process.port()).isBetween(1025, 48000);
        assertThat(Backends.get(process.port(), "/cwd").bodyText()).isEqualTo(dir.resolve("app").toRealPath()
                .toString());
    }

    @Test
    void honoursWebConfigPortTokenAndPreferEnvironmentVariables() throws Exception {
        int port = PortPicker.pickFree();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ASPNETCORE_PORT", Integer.toString(port));
        env.put("ASPNETCORE_TOKEN", "my-token");
        env.put("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", "Asm2");
        env.put("ASPNETCORE_ANCM_HTTPS_PORT", "123");
        env.put("PREFERRED", "from web.config");
        ProcessManager manager = manager(Backends.attributes(List.of()), env,
                systemEnvWith("ANCM_PREFER_ENVIRONMENT_VARIABLES", "TRUE", "PREFERRED", "from server"));
        BackendProcess process = ready(manager.processFor());
        assertThat(process.port()).isEqualTo(port);
        assertThat(Backends.get(port, "/env/ASPNETCORE_TOKEN").bodyText()).isEqualTo("my-token");
        assertThat(Backends.get(port, "/env/ASPNETCORE_HOSTINGSTARTUPASSEMBLIES").bodyText()).isEqualTo("Asm2");
        assertThat(Backends.get(port, "/env/ASPNETCORE_ANCM_HTTPS_PORT").bodyText()).isEqualTo("123");
        assertThat(Backends.get(port, "/env/PREFERRED").bodyText()).isEqualTo("from server");
    }

    @Test
    void anInvalidWebConfigPortIsACriticalErrorWithoutRetry() throws Exception {
        for (String bad : List.of("1024", "48001", "noninteger")) {
            ProcessManager manager = manager(Backends.attributes(List.of()), Map.of("ASPNETCORE_PORT", bad),
                    System.getenv());
            assertThatThrownBy(() -> ready(manager.processFor())).isInstanceOf(ExecutionException.class)
                    .cause().hasMessageContaining("failed to choose listen port '"
                            + PortPicker.parseLikeWtoi(bad) + "' given port range '1025 - 48000'");
            assertThat(backends.started()).isEmpty(); // nothing was launched
        }
    }

    @Test
    void anEmptyWebConfigPortMeansARandomOne() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of()), Map.of("ASPNETCORE_PORT", ""),
                System.getenv());
        BackendProcess process = ready(manager.processFor());
        assertThat(Backends.get(process.port(), "/env/ASPNETCORE_PORT").bodyText())
                .isEqualTo(Integer.toString(process.port()));
    }

    @Test
    void aChildThatExitsAtStartFailsBothAttemptsWithItsCapturedOutput() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of("--say=Wow!", "--exit-at-start=3")), Map.of(),
                System.getenv());
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ready(manager.processFor())).cause()
                .isInstanceOf(ProcessManager.StartFailure.class)
                .hasMessageContaining("with multiple retries")
                .hasMessageContaining("Wow!\nWow!\n");
        // the exits end both attempts, not startupTimeLimit (120 s each): far below it, whatever the machine's load
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(60);
    }

    @Test
    void capturesExactlyTheFirst30000CharactersAndKeepsDraining() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of("--print-at-start=40000", "--exit-at-start=1")),
                Map.of(), System.getenv());
        assertThatThrownBy(() -> ready(manager.processFor())).cause()
                .satisfies(e -> {
                    String text = e.getMessage();
                    String captured = text.substring(text.indexOf("\r\n") + 2);
                    assertThat(captured).hasSize(30_000).matches("a+");
                });
    }

    @Test
    void aChildThatNeverListensIsKilledAfterStartupTimeLimitTwice() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of("--no-listen"), "startupTimeLimit", "1"),
                Map.of(), System.getenv());
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ready(manager.processFor())).cause()
                .hasMessageContaining("with multiple retries")
                .hasMessageContaining("not listening, as asked");
        long seconds = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // two attempts of startupTimeLimit (1 s) each; the upper end is a failure guard (--no-listen never ends)
        assertThat(seconds).isBetween(2_000L, 60_000L);
        assertThat(backends.started()).allMatch(p -> !p.isAlive());
    }

    @Test
    void noticesACrashAtOnceAndStartsANewProcessForTheNextRequest() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of()), Map.of(), System.getenv());
        BackendProcess first = ready(manager.processFor());
        ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> first.whenExitSeen().isDone());
        assertThat(manager.readyProcesses()).isEmpty();
        BackendProcess second = ready(manager.processFor());
        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(Backends.get(second.port(), "/pid").bodyText()).isEqualTo(Long.toString(second.pid()));
    }

    @Test
    void aCrashTakesTheOrphanedDescendantsAlong() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of()), Map.of(), System.getenv());
        BackendProcess process = ready(manager.processFor());
        // spawned after readiness, so only the process group knows it once its parent is dead
        long grandchild = backends.track(Long.parseLong(Backends.get(process.port(), "/spawn").bodyText()));
        ProcessHandle.of(process.pid()).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> process.whenExitSeen().isDone());
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(grandchild));
    }

    @Test
    void refusesStartsAfterMoreThanRapidFailsPerMinuteCrashes() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of(), "rapidFailsPerMinute", "1"), Map.of(),
                System.getenv());
        for (int i = 0; i < 2; i++) {
            BackendProcess p = ready(manager.processFor());
            ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> p.whenExitSeen().isDone());
        }
        assertThatThrownBy(() -> ready(manager.processFor())).cause()
                .hasMessage("Maximum rapid fail count per minute of '1' exceeded.");
        clock.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThatThrownBy(() -> ready(manager.processFor())).cause().hasMessageContaining("rapid fail");
        clock.addAndGet(Duration.ofSeconds(1).toNanos()); // 60 s after the window began: a new window
        assertThat(ready(manager.processFor()).isAlive()).isTrue();
    }

    @Test
    void theFirstRequestStartsEverySlotAndIdleProcessesAreTakenInTurn() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of(), "processesPerApplication", "3"), Map.of(),
                System.getenv());
        ready(manager.processFor());
        await().atMost(Duration.ofSeconds(60)).until(() -> manager.readyProcesses().size() == 3);
        assertThat(backends.started()).hasSize(3);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pids.add(ready(manager.processFor()).pid());
        }
        assertThat(pids.subList(0, 3)).doesNotHaveDuplicates();
        assertThat(pids.subList(3, 6)).isEqualTo(pids.subList(0, 3));
    }

    @Test
    void stopsGracefullyWithTheShutdownMessage() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of()), Map.of(), System.getenv());
        BackendProcess process = ready(manager.processFor());
        manager.stop(p -> { }).get(30, TimeUnit.SECONDS);
        assertThat(Backends.alive(process.pid())).isFalse();
        // the backend exits 0 on the shutdown message; SIGTERM (143) or SIGKILL (137) would mean Porter had to force
        // it (how long that took is no test's business: a loaded machine makes any bound a coin toss)
        assertThat(process.process().exitValue()).as("the child's exit status").isZero();
        assertThatThrownBy(() -> ready(manager.processFor())).cause()
                .isInstanceOf(ProcessManager.StartFailure.class)
                .satisfies(e -> assertThat(((ProcessManager.StartFailure) e).stopping()).isTrue());
    }

    @Test
    void killsTheWholeTreeAfterShutdownTimeLimit() throws Exception {
        ProcessManager manager = manager(Backends.attributes(List.of("--shutdown-delay-ms=60000", "--spawn-child"),
                "shutdownTimeLimit", "2"), Map.of(), System.getenv());
        BackendProcess process = ready(manager.processFor());
        long grandchild = backends.track(Long.parseLong(Backends.get(process.port(), "/child").bodyText()));
        long t0 = System.nanoTime();
        manager.stop(p -> { }).get(30, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(millis).as("not before shutdownTimeLimit; a failure guard").isBetween(1_900L, 20_000L);
        assertThat(Backends.alive(process.pid())).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Backends.alive(grandchild));
    }
}
