package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.HostingModel;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.hosting.HostingModels;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import dev.porter.testing.TestThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out-of-process hosting end to end: the real Porter with the default hosting models, TestBackend children, raw HTTP
 * from the client side. One test per behaviour of spec §1.1–§1.3, §1.7, §1.8, §5.
 */
class OutOfProcessHostingTest {

    private final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private final Backends backends = new Backends();
    private final EventLog events = new EventLog();
    private Porter porter;
    private final AtomicReference<OutOfProcessHandler> latest = new AtomicReference<>();

    @AfterEach
    void cleanUp() {
        try {
            if (porter != null) {
                porter.stop();
            }
        } finally {
            events.close();
            assertThat(backends.killLeftovers()).as("processes left running").isEmpty();
        }
        threads.close();
    }

    private Path app(Map<String, String> attributes, Map<String, String> env) {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, attributes, env);
        return app;
    }

    private void start(Path app) throws IOException {
        start(app, ServerEnvironment.ofSystem());
    }

    private void start(Path app, ServerEnvironment environment) throws IOException {
        // The default factories; the out-of-process one wrapped only to let the test see its latest handler.
        Map<HostingModel, HostingModelFactory> factories = new HashMap<>(HostingModels.defaults());
        HostingModelFactory outOfProcess = factories.get(HostingModel.OUT_OF_PROCESS);
        factories.put(HostingModel.OUT_OF_PROCESS, context -> {
            ApplicationHandler handler = outOfProcess.create(context);
            latest.set((OutOfProcessHandler) handler);
            return handler;
        });
        porter = Porter.start(TestApps.server(Map.of("/", app)), environment, factories);
    }

    private RawHttp.Response get(String path) {
        return RawHttp.get(porter.port(), path);
    }

    private long pid() {
        RawHttp.Response r = get("/pid");
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return Long.parseLong(r.bodyText());
    }

    @Test
    void theFirstRequestStartsTheBackendAndLaterOnesReuseIt() throws Exception {
        start(app(Backends.attributes(List.of()), Map.of()));
        assertThat(backends.started()).isEmpty(); // lazily: nothing before the first request
        long t0 = System.nanoTime();
        long pid = pid();
        long coldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        BackendProcess process = handler().manager().readyProcesses().getFirst();
        System.out.println("MEASURED cold start to first response: " + coldMillis + " ms; the backend's own start "
                + "(launch to listening): " + process.startupMillis() + " ms");
        assertThat(pid()).isEqualTo(pid);
        String headers = get("/headers").bodyText();
        String token = get("/env/ASPNETCORE_TOKEN").bodyText();
        assertThat(headers.toLowerCase()).contains("ms-aspnetcore-token: " + token);
        // logged once the first request is on its way, not before (ProcessManager: the waiting requests go first)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.events(1001)).singleElement()
                .asString().matches("Application 'MACHINE/WEBROOT/APPHOST/Default Web Site' started process '" + pid
                        + "' successfully and process '" + pid + "' is listening on port '\\d+'\\."));
    }

    @Test
    void aRequestBodyArrivingWhileTheBackendStartsIsHeldAndForwarded() throws Exception {
        start(app(Backends.attributes(List.of("--startup-delay-ms=500")), Map.of()));
        byte[] body = new byte[300_000];
        new java.util.Random(7).nextBytes(body);
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 60_000)) {
            http.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n");
            http.send(body);
            RawHttp.Response r = http.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(body);
        }
    }

    @Test
    void aBareJavaMeansPortersOwnJvmAndArgumentsSplitLikeAShell() throws Exception {
        Map<String, String> attributes = Backends.attributes(List.of("--say=\"two words\"", "'single quoted'"));
        attributes.put("processPath", "java");
        start(app(attributes, Map.of()));
        String args = get("/args").bodyText();
        assertThat(args.split("\n")).containsExactly("--say=two words", "single quoted");
        assertThat(ProcessHandle.of(pid()).orElseThrow().info().command())
                .contains(LaunchCommand.currentJava());
    }

    @Test
    void aProcessPathRelativeToTheAppDirectoryIsUsedWhenTheFileExists() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        Path script = app.resolve("start.sh");
        Files.writeString(script, "#!/bin/sh\nexec \"" + TestApps.javaExecutable() + "\" \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> attributes = Backends.attributes(List.of());
        attributes.put("processPath", ".\\start.sh");
        start(app(attributes, Map.of()));
        assertThat(get("/").status()).isEqualTo(200);
    }

    @Test
    void ancmLauncherPathAndArgsReplaceProcessPathAndArguments() throws Exception {
        Map<String, String> real = Backends.attributes(List.of("--say=launched"));
        Map<String, String> serverEnv = new HashMap<>(System.getenv());
        serverEnv.put("ANCM_LAUNCHER_PATH", real.get("processPath"));
        serverEnv.put("ANCM_LAUNCHER_ARGS", real.get("arguments"));
        start(app(Map.of("processPath", "bogus", "arguments", "nothing"), Map.of()),
                new ServerEnvironment(serverEnv));
        assertThat(get("/args").bodyText()).isEqualTo("--say=launched");
    }

    @Test
    void aFailedStartAnswers502_5WithTheCapturedOutputOnlyWithDetailedErrors() throws Exception {
        start(app(Backends.attributes(List.of("--say=Wow!", "--exit-at-start=3")), Map.of()));
        RawHttp.Response plain = get("/");
        assertThat(plain.status()).isEqualTo(502);
        assertThat(plain.header("Content-Type")).contains("text/html");
        assertThat(plain.bodyText()).contains("HTTP Error 502.5 - ANCM Out-Of-Process Startup Failure")
                .contains("808681").doesNotContain("Wow!");
        assertThat(events.events(1000)).hasSize(2);
        assertThat(events.events(1020)).singleElement().asString().contains("Wow!\nWow!\n");

        porter.stop();
        start(app(Backends.attributes(List.of("--say=Wow!", "--exit-at-start=3")),
                Map.of("ASPNETCORE_ENVIRONMENT", "Development")));
        assertThat(get("/").bodyText()).contains("HTTP Error 502.5").contains("Wow!\nWow!\n");
    }

    @Test
    void disableStartUpErrorPageAnswersTheStatusAlone() throws Exception {
        start(app(Backends.attributes(List.of("--exit-at-start=3"), "disableStartUpErrorPage", "true"), Map.of()));
        RawHttp.Response r = get("/");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void withoutConsoleRedirectionNothingIsCaptured() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        Files.writeString(app.resolve("web.config"), """
                <configuration><system.webServer>
                  <aspNetCore processPath="%s" arguments="%s">
                    <environmentVariables><environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Development"/>
                    </environmentVariables>
                    <handlerSettings>
                      <handlerSetting name="enableOutOfProcessConsoleRedirection" value="FALSE"/>
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """.formatted(TestApps.javaExecutable(),
                Backends.attributes(List.of("--say=Wow!", "--exit-at-start=3")).get("arguments")));
        start(app);
        RawHttp.Response r = get("/");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.bodyText()).contains("HTTP Error 502.5")
                .contains("logs from multiple retries:\r\n</pre>"); // the detail is shown, with no output
    }

    @Test
    void startupTimeLimitBoundsTheWaitForTheFirstListen() throws Exception {
        start(app(Backends.attributes(List.of("--startup-delay-ms=3000"), "startupTimeLimit", "1"), Map.of()));
        long t0 = System.nanoTime();
        assertThat(get("/").status()).isEqualTo(502);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(1_900L, 10_000L);
        porter.stop();
        start(app(Backends.attributes(List.of("--startup-delay-ms=3000"), "startupTimeLimit", "10"), Map.of()));
        assertThat(get("/").status()).isEqualTo(200);
    }

    @Test
    void aBackendKilledMidRequestCostsOnlyThatRequestAndTheNextStartsANewProcess() throws Exception {
        start(app(Backends.attributes(List.of()), Map.of()));
        long first = pid();
        CompletableFuture<RawHttp.Response> inFlight = threads.supply(() -> get("/sleep?ms=20000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlightCount() == 1);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        RawHttp.Response cut = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(cut.status()).isEqualTo(502);
        assertThat(cut.bodyText()).contains("502.3");
        await().atMost(Duration.ofSeconds(5)).until(() -> !events.events(1030).isEmpty());
        long t0 = System.nanoTime();
        long second = pid();
        System.out.println("MEASURED restart after crash (next request, new process): "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        assertThat(second).isNotEqualTo(first);
        assertThat(events.events(1030)).singleElement().asString()
                .contains("shut down process with Id '" + first + "'");
    }

    private int inFlightCount() {
        return handler().manager().readyProcesses().stream().mapToInt(p -> p.forwarder().inFlight()).sum();
    }

    private OutOfProcessHandler handler() {
        return latest.get();
    }

    @Test
    void anAppThatStopsItselfIsRestartedByTheNextRequest() throws Exception {
        start(app(Backends.attributes(List.of()), Map.of()));
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            long pid = pid();
            pids.add(pid);
            get("/exit?code=0"); // the connection dies with the process: 502
            await().atMost(Duration.ofSeconds(10)).until(() -> !Backends.alive(pid));
        }
        assertThat(pids).hasSize(3);
    }

    @Test
    void rapidFailsPerMinuteZeroRefusesTheSecondStart() throws Exception {
        start(app(Backends.attributes(List.of(), "rapidFailsPerMinute", "0"), Map.of()));
        long pid = pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.events(1030).isEmpty());
        RawHttp.Response r = get("/pid");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.bodyText()).contains("HTTP Error 502.5");
        assertThat(events.events(1003)).contains("Maximum rapid fail count per minute of '0' exceeded.");
    }

    @Test
    void processesPerApplicationGivesExactlyThatManyProcesses() throws Exception {
        start(app(Backends.attributes(List.of(), "processesPerApplication", "2"), Map.of()));
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            pids.add(pid());
        }
        assertThat(pids).hasSize(2);
    }

    @Test
    void stdoutGoesToATimestampedFileNamedWithPortersPid() throws Exception {
        start(app(Backends.attributes(List.of("--say=\"TEST MESSAGE\""), "stdoutLogEnabled", "true",
                "stdoutLogFile", ".\\logs\\stdout"), Map.of()));
        long pid = pid();
        Path logs = dir.resolve("app/logs");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Stream<Path> files = Files.list(logs)) {
                return files.anyMatch(f -> read(f).contains("TEST MESSAGE"));
            }
        });
        try (Stream<Path> files = Files.list(logs)) {
            Path file = files.findFirst().orElseThrow();
            assertThat(file.getFileName().toString())
                    .matches("stdout_\\d{14}_" + ProcessHandle.current().pid() + "\\.log");
            assertThat(read(file)).contains("TestBackend " + pid + " listening");
        }
    }

    @Test
    void anUnusableStdoutLogFileIsReportedAndTheAppStillRuns() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        Files.writeString(app.resolve("not-a-directory"), "x");
        start(app(Backends.attributes(List.of(), "stdoutLogEnabled", "true",
                "stdoutLogFile", ".\\not-a-directory\\stdout"), Map.of()));
        assertThat(get("/").status()).isEqualTo(200);
        assertThat(events.events(1004)).singleElement().asString().startsWith("Could not create stdoutLogFile "
                + app.toRealPath().resolve("not-a-directory") + "/stdout_");
    }

    @Test
    void debugLevelAndDebugFileWriteTheModuleDebugLog() throws Exception {
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        Files.writeString(app.resolve("web.config"), """
                <configuration><system.webServer>
                  <aspNetCore processPath="%s" arguments="%s">
                    <handlerSettings>
                      <handlerSetting name="debugLevel" value="FILE,TRACE"/>
                      <handlerSetting name="debugFile" value=".\\logs\\debug.log"/>
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """.formatted(TestApps.javaExecutable(), Backends.attributes(List.of()).get("arguments")));
        start(app);
        long pid = pid();
        String log = read(app.resolve("logs/debug.log"));
        assertThat(log).startsWith("[porter] Initializing logs for").contains("[porter] Launching ")
                .contains("[porter] Started process " + pid);
    }

    @Test
    void serverStopShutsTheBackendDownWithTheShutdownMessage() throws Exception {
        start(app(Backends.attributes(List.of()), Map.of()));
        long pid = pid();
        long t0 = System.nanoTime();
        porter.stop();
        System.out.println("MEASURED server stop with one backend: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        assertThat(Backends.alive(pid)).isFalse();
        assertThat(events.events(1006)).contains("Sent shutdown HTTP message to process with Id '" + pid
                + "' and received http status '202'.");
        assertThat(events.events(1005)).isEmpty();
    }

    @Test
    void aStoppingHandlerLetsRequestsInFlightFinishAndAnswersNewOnes503() throws Exception {
        start(app(Backends.attributes(List.of()), Map.of()));
        long pid = pid();
        CompletableFuture<RawHttp.Response> inFlight = threads.supply(() -> get("/sleep?ms=1500"));
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlightCount() == 1);
        CompletableFuture<Void> stopped = handler().stop(ApplicationHandler.StopReason.CONFIG_CHANGE);
        RawHttp.Response refused = get("/pid");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(inFlight.get(10, TimeUnit.SECONDS).bodyText()).isEqualTo("slept");
        stopped.get(15, TimeUnit.SECONDS);
        assertThat(Backends.alive(pid)).isFalse();
        assertThat(events.events(1005)).isEmpty();
    }

    @Test
    void aSubApplicationGetsItsVirtualPathAndTheShutdownMessageUnderIt() throws Exception {
        Path app = app(Backends.attributes(List.of(), "stdoutLogEnabled", "true", "stdoutLogFile", "logs/out"),
                Map.of());
        porter = Porter.start(TestApps.server(Map.of("/app1", app)), ServerEnvironment.ofSystem(),
                HostingModels.defaults());
        assertThat(get("/app1/env/ASPNETCORE_APPL_PATH").bodyText()).isEqualTo("/app1");
        long pid = Long.parseLong(get("/app1/pid").bodyText());
        porter.stop();
        assertThat(events.events(1006)).contains("Sent shutdown HTTP message to process with Id '" + pid
                + "' and received http status '202'.");
        try (Stream<Path> files = Files.list(app.resolve("logs"))) {
            assertThat(read(files.findFirst().orElseThrow()))
                    .contains("TestBackend " + pid + " got the shutdown message at /app1/iisintegration");
        }
    }

    @Test
    void aBackendThatIgnoresTheShutdownIsKilledAfterShutdownTimeLimit() throws Exception {
        start(app(Backends.attributes(List.of("--ignore-shutdown"), "shutdownTimeLimit", "2"), Map.of()));
        long pid = pid();
        long t0 = System.nanoTime();
        porter.stop();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(millis).as("not before shutdownTimeLimit; a failure guard").isBetween(1_900L, 20_000L);
        assertThat(Backends.alive(pid)).isFalse();
        assertThat(events.events(1005)).contains("Failed to gracefully shutdown process with Id '" + pid + "'.");
    }

    @Test
    void aBackendThatRefusesTheShutdownMessageGetsSigterm() throws Exception {
        start(app(Backends.attributes(List.of("--shutdown-status=404"), "shutdownTimeLimit", "20"), Map.of()));
        long pid = pid();
        long t0 = System.nanoTime();
        porter.stop();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000L);
        assertThat(Backends.alive(pid)).isFalse();
        assertThat(events.events(1006)).contains("Sent shutdown HTTP message to process with Id '" + pid
                + "' and received http status '404'.");
        assertThat(events.events(1005)).isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
