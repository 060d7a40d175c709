package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import dev.porter.hosting.ancm.AncmEnvironment;
import dev.porter.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
    void theHttpsPortIsSetOnlyWhenAllServedHttpsBindingsShareOne() {
        ServerConfig.TlsCertificate certificate = TestPki.certificate(new TestPki().server("localhost"));
        ServerConfig.Binding http = new ServerConfig.Binding("http", "*", 80, "");
        assertThat(AncmEnvironment.httpsPort(site(List.of(http), List.of()))).isEmpty();
        assertThat(AncmEnvironment.httpsPort(site(List.of(http), List.of(https(443, "", certificate)))))
                .contains(443);
        assertThat(AncmEnvironment.httpsPort(site(List.of(), List.of(https(443, "a", certificate),
                https(443, "b", certificate))))).contains(443);
        assertThat(AncmEnvironment.httpsPort(site(List.of(), List.of(https(443, "a", certificate),
                https(8443, "b", certificate))))).isEmpty();
        // An https binding without a certificate is not served: an app must not redirect to it.
        assertThat(AncmEnvironment.httpsPort(site(List.of(http), List.of(https(443, "", null))))).isEmpty();
    }

    @Test
    void httpAuthReflectsTheServersAuthentication() {
        assertThat(AncmEnvironment.httpAuth(null)).isEqualTo("anonymous;");
        ServerConfig.BasicAuthentication basic = new ServerConfig.BasicAuthentication(true, "", null, Map.of());
        assertThat(AncmEnvironment.httpAuth(server(new ServerConfig.Authentication(true, basic))))
                .isEqualTo("basic;anonymous;");
        assertThat(AncmEnvironment.httpAuth(server(new ServerConfig.Authentication(false, basic))))
                .isEqualTo("basic;");
        assertThat(AncmEnvironment.httpAuth(server(new ServerConfig.Authentication(false,
                ServerConfig.BasicAuthentication.DISABLED)))).isEqualTo("none");
        assertThat(AncmEnvironment.httpAuth(server(ServerConfig.Authentication.ANONYMOUS)))
                .isEqualTo("anonymous;");
    }

    private ServerConfig server(ServerConfig.Authentication authentication) {
        return new ServerConfig(dir.resolve("porter.xml"), List.of(site(List.of(new ServerConfig.Binding("http", "*",
                80, "")), List.of())), dev.porter.config.RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS,
                new ServerConfig.Security(ServerConfig.Access.NONE, authentication));
    }

    private static ServerConfig.Binding https(int port, String host, ServerConfig.TlsCertificate certificate) {
        return new ServerConfig.Binding("https", "*", port, host, certificate);
    }

    private ServerConfig.Site site(List<ServerConfig.Binding> http, List<ServerConfig.Binding> https) {
        return new ServerConfig.Site("s", 1, http, List.of(new ServerConfig.Application("/", dir)),
                new ServerConfig.LogFile(false, dir), https);
    }

}
