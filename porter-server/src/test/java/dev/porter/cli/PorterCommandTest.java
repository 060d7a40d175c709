package dev.porter.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.ChildJvm;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user meets it: {@code porter} run as a real child JVM, its exit code and what it printed.
 * Every process started here is stopped by its own handle in {@link #cleanUp()}.
 */
class PorterCommandTest {

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final List<ChildJvm> started = new ArrayList<>();

    /** A running {@code porter} child; its output (stdout and stderr together) in console-N.txt. */
    private ChildJvm porter(String... args) throws IOException {
        ChildJvm cli = ChildJvm.start(dir.resolve("console-" + started.size() + ".txt"),
                List.of("--enable-native-access=ALL-UNNAMED"), "dev.porter.cli.PorterCommand", List.of(args));
        started.add(cli);
        return cli;
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (ChildJvm cli : started) {
            cli.close();
        }
    }

    @Test
    void helpAndVersionExitZero() throws Exception {
        ChildJvm help = porter("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).contains("Usage: porter", "run", "serve", "Exit codes:");

        ChildJvm runHelp = porter("run", "--help");
        assertThat(runHelp.exitCode()).isZero();
        assertThat(runHelp.output()).contains("Usage: porter run", "<appDir>", "--port=N", "--bind=ADDR");

        ChildJvm serveHelp = porter("serve", "--help");
        assertThat(serveHelp.exitCode()).isZero();
        assertThat(serveHelp.output()).contains("Usage: porter serve", "<porter.xml>");

        ChildJvm version = porter("--version");
        assertThat(version.exitCode()).isZero();
        assertThat(version.output()).startsWith("Porter ").contains("Java 25");
    }

    @Test
    void aBrokenPorterXmlStopsStartUpWithExitTwoAndSaysWhere() throws Exception {
        TestApps.writeWebConfig(dir.resolve("app"), Map.of("processPath", "java"), Map.of());
        Path file = TestApps.write(dir.resolve("porter.xml"), """
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="Default Web Site" id="1">
                        <application path="/" physicalPath="app" />
                        <bindings>
                          <binding protocol="http" bindingInformation="*:70000:" />
                        </bindings>
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        ChildJvm cli = porter("serve", file.toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.output()).contains("porter: configuration error: " + file + ": line 7: <binding> attribute "
                + "'bindingInformation' has invalid value '*:70000:'; allowed: ip:port:host", "port is 0-65535");

        ChildJvm missing = porter("serve", dir.resolve("nope.xml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.output()).contains(dir.resolve("nope.xml") + ": the file does not exist.");
    }

    @Test
    void aMissingCertificateFileIsExitTwoNamingTheBinding() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("app"));
        Path file = dir.resolve("porter.xml");
        java.nio.file.Files.writeString(file, """
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="Default Web Site" id="1">
                        <application path="/" physicalPath="app" />
                        <bindings>
                          <binding protocol="https" bindingInformation="127.0.0.1:0:" certificateFile="certs/site.pem" keyFile="certs/site.key" />
                        </bindings>
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        ChildJvm cli = porter("serve", file.toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.output()).contains("porter: configuration error: " + file + ": line 7: <binding> attribute "
                + "'certificateFile': the file " + dir.resolve("certs/site.pem") + " does not exist.");
    }

    @Test
    void aMissingApplicationDirectoryOrBadOptionIsExitTwo() throws Exception {
        ChildJvm cli = porter("run", dir.resolve("no-such-app").toString(), "--port", "0");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.output()).contains("porter: configuration error: " + dir.resolve("no-such-app")
                + ": the application directory does not exist.");

        ChildJvm badPort = porter("run", dir.toString(), "--port", "65536");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.output()).contains("--port 65536 is out of range; allowed: 0-65535");

        ChildJvm noCommand = porter();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.output()).contains("a command is needed: run or serve");
    }

    @Test
    void runOnPortZeroServesThenStopsCleanlyOnSigterm() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments", "-version"), Map.of());
        ChildJvm cli = porter("run", app.toString(), "--port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> LISTENING.matcher(cli.output()).find()
                || !cli.process().isAlive());
        Matcher m = LISTENING.matcher(cli.output());
        assertThat(m.find()).as("output:\n%s", cli.output()).isTrue();
        int port = Integer.parseInt(m.group(1));
        try (RawHttp http = new RawHttp(port)) {
            // whatever the hosting model answers, the server is serving HTTP on the port it announced
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").version()).isEqualTo("HTTP/1.1");
        }

        cli.process().toHandle().destroy(); // SIGTERM

        assertThat(cli.exitCode()).as("output:\n%s", cli.output()).isZero();
        assertThat(cli.output()).contains("Stopping: no new connections", "Stopped");
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)); // the port was released
        }
    }

    @Test
    void serveRunsAPorterXmlWithItsAccessLogAndStopsCleanly() throws Exception {
        TestApps.writeWebConfig(dir.resolve("apps/api"), Map.of("processPath", "java"), Map.of());
        Path file = TestApps.write(dir.resolve("porter.xml"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="Default Web Site" id="4" serverAutoStart="true">
                        <application path="/api" applicationPool="DefaultAppPool">
                          <virtualDirectory path="/" physicalPath=".\\apps\\api" />
                        </application>
                        <bindings>
                          <binding protocol="http" bindingInformation="127.0.0.1:0:" />
                          <binding protocol="https" bindingInformation="*:44300:localhost" sslFlags="0" />
                        </bindings>
                        <logFile enabled="true" directory="logs" />
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        ChildJvm cli = porter("serve", file.toString());
        await().atMost(Duration.ofSeconds(30)).until(() -> LISTENING.matcher(cli.output()).find()
                || !cli.process().isAlive());
        Matcher m = LISTENING.matcher(cli.output());
        assertThat(m.find()).as("output:\n%s", cli.output()).isTrue();
        assertThat(cli.output()).contains("Site 'Default Web Site': https binding *:44300:localhost is not "
                + "served: it names no certificateFile");
        try (RawHttp http = new RawHttp(Integer.parseInt(m.group(1)))) {
            // no application at '/': the front server's 404, logged like any other request
            assertThat(http.exchange("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n").status())
                    .isEqualTo(404);
        }
        cli.process().toHandle().destroy();
        assertThat(cli.exitCode()).as("output:\n%s", cli.output()).isZero();
        try (var files = java.nio.file.Files.list(dir.resolve("logs/W3SVC4"))) {
            Path log = files.findFirst().orElseThrow();
            assertThat(java.nio.file.Files.readString(log)).contains("#Fields: date time s-ip cs-method",
                    " GET /nothing-here - " + m.group(1) + " - 127.0.0.1 - - 404 0 0 ");
        }
    }

    @Test
    void sigintStopsCleanlyToo() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java"), Map.of());
        ChildJvm cli = porter("run", app.toString(), "--port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> LISTENING.matcher(cli.output()).find()
                || !cli.process().isAlive());
        assertThat(cli.process().isAlive()).as("output:\n%s", cli.output()).isTrue();

        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(cli.process().pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(cli.exitCode()).as("output:\n%s", cli.output()).isZero();
    }

    @Test
    void aPortInUseIsExitOneNamingTheAddress() throws Exception {
        Path app = dir.resolve("app");
        TestApps.writeWebConfig(app, Map.of("processPath", "java"), Map.of());
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            ChildJvm cli = porter("run", app.toString(), "--port", String.valueOf(port));
            assertThat(cli.exitCode()).isEqualTo(1);
            assertThat(cli.output()).contains("porter: cannot listen on http://127.0.0.1:" + port + ": ",
                    "the address is already in use");
        }
    }

    @Test
    void aBrokenWebConfigDoesNotStopRunButIsReported() throws Exception {
        Path app = dir.resolve("app");
        TestApps.write(app.resolve("web.config"), "<configuration><system.webServer>\n<aspNetCore processPath=\"java\" "
                + "hostingModel=\"sideways\" /></system.webServer></configuration>");
        ChildJvm cli = porter("run", app.toString(), "--port", "0");
        await().atMost(Duration.ofSeconds(30)).until(() -> LISTENING.matcher(cli.output()).find()
                || !cli.process().isAlive());
        assertThat(cli.output()).contains(app.resolve("web.config") + ": line 2: <aspNetCore> attribute "
                + "'hostingModel': Unknown hosting model 'sideways'.");
        Matcher m = LISTENING.matcher(cli.output());
        assertThat(m.find()).isTrue();
        try (RawHttp http = new RawHttp(Integer.parseInt(m.group(1)))) {
            assertThat(http.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").status()).isEqualTo(500);
        }
        cli.process().toHandle().destroy();
        assertThat(cli.exitCode()).isZero();
    }
}
