package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.testing.TestApps;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Beyond ANCM (issue #15): {@code %NAME%} in {@code arguments} and {@code processPath} also expands the variables
 * Porter gives the child, per process, so a program that takes its port on the command line runs unchanged: here
 * Python's own {@code http.server}, a real child, no Porter code.
 */
class ArgumentVariablesTest {

    @TempDir
    Path dir;

    private Porter porter;
    private HttpClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (porter != null) {
            porter.stop();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .noneMatch(p -> p.info().commandLine().orElse("").contains("http.server")));
    }

    private String get(Path app, String path) throws Exception {
        porter = Porter.start(TestApps.server(Map.of("/", app)));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + porter.port() + path)).timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void aspNetCorePortInArgumentsReachesTheProgramAsThePort() throws Exception {
        Path app = Files.createDirectories(dir.resolve("py"));
        Files.writeString(app.resolve("hello.txt"), "hello from python\n");
        TestApps.writeWebConfig(app, Map.of("processPath", "python3",
                "arguments", "-m http.server %ASPNETCORE_PORT% --bind 127.0.0.1", "hostingModel", "outofprocess"),
                Map.of());
        assertThat(get(app, "/hello.txt")).isEqualTo("hello from python\n");
    }

    @Test
    void httpPlatformPortAndAWebConfigVariableExpandInProcessPathAndArguments() throws Exception {
        Path app = Files.createDirectories(dir.resolve("py"));
        Files.writeString(app.resolve("hello.txt"), "hello again\n");
        // PYTHON_PROGRAM is no server variable: only the child's block (web.config's environmentVariables) has it
        TestApps.writeWebConfig(app, Map.of("processPath", "%PYTHON_PROGRAM%",
                "arguments", "-m http.server %http_platform_port% --bind 127.0.0.1", "hostingModel", "outofprocess"),
                Map.of("PYTHON_PROGRAM", "python3"));
        assertThat(get(app, "/hello.txt")).isEqualTo("hello again\n");
    }

    @Test
    void wordsAreExpandedAfterSplittingAndUnknownNamesStayAsWritten() {
        LaunchCommand command = new LaunchCommand(List.of("/usr/bin/setsid", "%TOOL%", "-p", "%ASPNETCORE_PORT%",
                "%NOT_SET%", "100%"), "%TOOL% -p %ASPNETCORE_PORT% %NOT_SET% 100%", true, 1, true);
        assertThat(command.commandFor(Map.of("ASPNETCORE_PORT", "4321", "TOOL", "/opt/my tool"), dir))
                .containsExactly("/usr/bin/setsid", "/opt/my tool", "-p", "4321", "%NOT_SET%", "100%");
        LaunchCommand plain = new LaunchCommand(List.of("java", "-jar", "app.jar"), "java -jar app.jar", false, 0,
                false);
        assertThat(plain.commandFor(Map.of("ASPNETCORE_PORT", "4321"), dir)).isSameAs(plain.command());
    }
}
