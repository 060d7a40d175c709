package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables for the pure parts of a launch: argument splitting, processPath resolution, ports, the https port. */
class LaunchCommandTest {

    @TempDir
    Path dir;

    @Test
    void splitsArgumentsLikeAShell() {
        Object[][] cases = {
            {"-jar target/hello.jar", List.of("-jar", "target/hello.jar")},
            {"  -jar   app.jar  ", List.of("-jar", "app.jar")},
            {"", List.of()},
            {"-Dname=\"two words\" x", List.of("-Dname=two words", "x")},
            {"'it''s' \"a\\\"b\"", List.of("its", "a\"b")},
            {"-cp lib\\app.jar Main", List.of("-cp", "lib\\app.jar", "Main")},
            {"a\\ b \"\"", List.of("a b", "")},
            {"\"unterminated quote", List.of("unterminated quote")},
            {"tab\tsep\nnewline", List.of("tab", "sep", "newline")},
        };
        for (Object[] c : cases) {
            assertThat(LaunchCommand.splitArguments((String) c[0])).as("%s", c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void resolvesProcessPathInTheAppDirectoryThenJavaThenPath() throws Exception {
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("bin/run"), "#!/bin/sh\n");
        assertThat(LaunchCommand.resolveExecutable(".\\bin\\run", dir)).isEqualTo(dir.resolve("bin/run").toString());
        assertThat(LaunchCommand.resolveExecutable("bin/run", dir)).isEqualTo(dir.resolve("bin/run").toString());
        assertThat(LaunchCommand.resolveExecutable("java", dir)).isEqualTo(LaunchCommand.currentJava());
        assertThat(Path.of(LaunchCommand.currentJava())).isExecutable();
        assertThat(LaunchCommand.resolveExecutable("dotnet", dir)).isEqualTo("dotnet");
        Files.writeString(dir.resolve("java"), "#!/bin/sh\n");
        assertThat(LaunchCommand.resolveExecutable("java", dir)).isEqualTo(dir.resolve("java").toString());
    }

    @Test
    void readsAWebConfigPortTheWayAncmDoes() {
        assertThat(PortPicker.parseLikeWtoi("31337")).isEqualTo(31337);
        assertThat(PortPicker.parseLikeWtoi(" 8080abc")).isEqualTo(8080);
        assertThat(PortPicker.parseLikeWtoi("noninteger")).isZero();
        assertThat(PortPicker.parseLikeWtoi("-5")).isEqualTo(-5);
        assertThat(PortPicker.parseLikeWtoi("99999999999")).isEqualTo(Integer.MAX_VALUE);
        assertThat(PortPicker.isInRange(1024)).isFalse();
        assertThat(PortPicker.isInRange(1025)).isTrue();
        assertThat(PortPicker.isInRange(48000)).isTrue();
        assertThat(PortPicker.isInRange(48001)).isFalse();
        for (int i = 0; i < 20; i++) {
            assertThat(PortPicker.pickFree()).isBetween(1025, 48000);
        }
    }

    @Test
    void theHttpsPortIsSetOnlyWhenAllHttpsBindingsShareOne() {
        assertThat(BackendEnvironment.httpsPort(site(binding("http", 80)))).isEmpty();
        assertThat(BackendEnvironment.httpsPort(site(binding("http", 80), binding("https", 443))))
                .contains(443);
        assertThat(BackendEnvironment.httpsPort(site(binding("HTTPS", 443), binding("https", 443))))
                .contains(443);
        assertThat(BackendEnvironment.httpsPort(site(binding("https", 443), binding("https", 8443)))).isEmpty();
    }

    private static ServerConfig.Binding binding(String protocol, int port) {
        return new ServerConfig.Binding(protocol, "*", port, "");
    }

    private ServerConfig.Site site(ServerConfig.Binding... bindings) {
        return new ServerConfig.Site("s", 1, List.of(bindings), List.of(new ServerConfig.Application("/", dir)),
                new ServerConfig.LogFile(false, dir));
    }

}
