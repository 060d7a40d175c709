package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** porter.xml (the applicationHost.config shape): a real-world file, the accepted forms, and every refusal. */
class ServerConfigParserTest {

    @TempDir
    Path dir;

    private ServerConfigParser parser;

    @BeforeEach
    void setUp() throws Exception {
        parser = new ServerConfigParser(new EnvironmentExpander(Map.of("PORTER_TEST_ROOT", dir.toString())));
        Files.createDirectories(dir.resolve("wwwroot"));
        Files.createDirectories(dir.resolve("apps/api"));
        Files.createDirectories(dir.resolve("apps/intranet"));
    }

    @Test
    void readsARealisticApplicationHostConfig() throws Exception {
        Path file = dir.resolve("porter.xml");
        Files.copy(Path.of(getClass().getResource("/porterxml/applicationHost.xml").toURI()), file);

        ServerConfig config = parser.parse(file);

        assertThat(config.sites()).hasSize(2);
        ServerConfig.Site site = config.sites().getFirst();
        assertThat(site.name()).isEqualTo("Default Web Site");
        assertThat(site.id()).isEqualTo(1);
        // net.tcp and net.pipe bindings (WCF activation) are not HTTP: ignored, as IIS's HTTP stack does
        assertThat(site.bindings()).containsExactly(new ServerConfig.Binding("http", "*", 8080, ""),
                new ServerConfig.Binding("http", "::1", 8081, ""));
        assertThat(site.applications()).containsExactly(
                new ServerConfig.Application("/", dir.resolve("wwwroot")), // %VAR% expanded, backslashes
                // relative to porter.xml; preloadEnabled="true" is kept (the app starts with the server), and
                // Porter's disallowOverlappingRotation and queueLength
                new ServerConfig.Application("/api", dir.resolve("apps/api"), true, true, 50));
        assertThat(site.logFile()).isEqualTo(new ServerConfig.LogFile(true, dir.resolve("logs/site1")));

        ServerConfig.Site intranet = config.sites().get(1);
        assertThat(intranet.id()).isEqualTo(7);
        assertThat(intranet.bindings()).containsExactly(
                new ServerConfig.Binding("http", "127.0.0.1", 0, "intranet.example"),
                new ServerConfig.Binding("http", "*", 8080, "intranet"));
        // read, kept apart, not served (no TLS yet)
        assertThat(intranet.httpsBindings()).containsExactly(new ServerConfig.Binding("https", "*", 44300, "intranet"));
        assertThat(site.httpsBindings()).isEmpty();
        assertThat(intranet.applications()).containsExactly(
                new ServerConfig.Application("/", dir.resolve("apps/intranet")));
        // siteDefaults/logFile: directory inherited, logging still off (Porter's default)
        assertThat(intranet.logFile()).isEqualTo(new ServerConfig.LogFile(false, dir.resolve("logs/LogFiles")));

        assertThat(config.requestLimits()).isEqualTo(new RequestLimits(1_000_000, 2048, 2048));
        assertThat(config.webLimits()).isEqualTo(new ServerConfig.WebLimits(Duration.ofSeconds(90),
                Duration.ofSeconds(15), 16384));
    }

    @Test
    void siteIdsDefaultInOrderAndLogFileDefaultsApply() throws Exception {
        Path file = write("""
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <siteDefaults><logFile enabled="true" directory="access" /></siteDefaults>
                      <site name="a"><bindings><binding protocol="HTTP" bindingInformation="*:0:" /></bindings>
                        <application path="/" physicalPath="wwwroot" /></site>
                      <site name="b"><bindings><binding protocol="http" bindingInformation="127.0.0.1:0:" /></bindings>
                        <application path="/" physicalPath="wwwroot" /><logFile enabled="false" /></site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """);
        ServerConfig config = parser.parse(file);
        assertThat(config.sites()).extracting(ServerConfig.Site::id).containsExactly(1L, 2L);
        assertThat(config.sites().get(0).logFile()).isEqualTo(new ServerConfig.LogFile(true, dir.resolve("access")));
        assertThat(config.sites().get(1).logFile()).isEqualTo(new ServerConfig.LogFile(false, dir.resolve("access")));
        assertThat(config.requestLimits()).isEqualTo(RequestLimits.DEFAULTS);
        assertThat(config.webLimits()).isEqualTo(ServerConfig.WebLimits.DEFAULTS);
    }

    @Test
    void minBytesPerSecondIsReadWithIisDefault() throws Exception {
        Path file = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                    <webLimits connectionTimeout="00:00:05" minBytesPerSecond="0" />
                  </system.applicationHost>
                </configuration>
                """);
        assertThat(parser.parse(file).webLimits().minBytesPerSecond()).isZero();
        assertThat(ServerConfig.WebLimits.DEFAULTS.minBytesPerSecond()).isEqualTo(240);
        Path set = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                    <webLimits minBytesPerSecond="500000" />
                  </system.applicationHost>
                </configuration>
                """);
        assertThat(parser.parse(set).webLimits()).isEqualTo(ServerConfig.WebLimits.DEFAULTS.withMinBytesPerSecond(
                500_000));
    }

    /** Each refused binding: file, line, element, attribute, value and the allowed form (port 0 included). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*:65536:",
        "*:-1:",
        "*:http:",
        "8080",
        "*:8080",
        "::1:8080:",
        "[127.0.0.1]:8080:",
        "localhost:8080:",
        "127.1:8080:",
        "*:8080:bad host",
    })
    void refusesBadBindingInformation(String info) throws Exception {
        Path file = site("<binding protocol=\"http\" bindingInformation=\"" + info + "\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />");
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 5: <binding> attribute "
                + "'bindingInformation' has invalid value '" + info + "'; allowed: ip:port:host, where ip is * (or "
                + "empty) for every address or an IP address ([...] around IPv6), port is 0-65535 (0: a free port the "
                + "OS picks) and host is a host name or empty for any host.");
    }

    @Test
    void refusesUnknownProtocolsAndASiteWithOnlyHttps() throws Exception {
        Path ftp = site("<binding protocol=\"ftp\" bindingInformation=\"*:21:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />");
        assertThatThrownBy(() -> parser.parse(ftp)).hasMessageStartingWith(ftp + ": line 5: <binding> attribute "
                + "'protocol' has invalid value 'ftp'; allowed: http or https (");
        Path httpsOnly = site("<binding protocol=\"https\" bindingInformation=\"*:443:\" sslFlags=\"1\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />");
        assertThatThrownBy(() -> parser.parse(httpsOnly)).hasMessage(httpsOnly + ": line 4: <site>: site 'Default "
                + "Web Site' has no binding Porter serves (its https bindings name no certificateFile); add "
                + "<bindings><binding protocol=\"http\" bindingInformation=\"*:8080:\"/></bindings>, or "
                + "certificateFile=\"cert.pem\" keyFile=\"key.pem\" on an https binding.");
    }

    @Test
    void refusesDuplicateSiteNamesIdsBindingsAndApplicationPaths() throws Exception {
        String app = "<application path=\"/\" physicalPath=\"wwwroot\" />";
        Path names = write(sites(
                "<site name=\"A\" id=\"1\"><bindings><binding protocol=\"http\" bindingInformation=\"*:1:\"/></bindings>"
                        + app + "</site>",
                "<site name=\"a\" id=\"2\"><bindings><binding protocol=\"http\" bindingInformation=\"*:2:\"/></bindings>"
                        + app + "</site>"));
        assertThatThrownBy(() -> parser.parse(names)).hasMessage(names + ": line 5: <site> attribute 'name' has "
                + "invalid value 'a'; allowed: a name no other <site> uses (the site on line 4 has it).");

        Path ids = write(sites(
                "<site name=\"A\" id=\"3\"><bindings><binding protocol=\"http\" bindingInformation=\"*:1:\"/></bindings>"
                        + app + "</site>",
                "<site name=\"B\" id=\"3\"><bindings><binding protocol=\"http\" bindingInformation=\"*:2:\"/></bindings>"
                        + app + "</site>"));
        assertThatThrownBy(() -> parser.parse(ids)).hasMessage(ids + ": line 5: <site> attribute 'id' has "
                + "invalid value '3'; allowed: an id no other <site> uses (the site on line 4 has it).");

        Path bindings = write(sites(
                "<site name=\"A\"><bindings><binding protocol=\"http\" bindingInformation=\"*:80:Example.com\"/>"
                        + "</bindings>" + app + "</site>",
                "<site name=\"B\"><bindings><binding protocol=\"http\" bindingInformation=\"*:80:example.com\"/>"
                        + "</bindings>" + app + "</site>"));
        assertThatThrownBy(() -> parser.parse(bindings)).hasMessage(bindings + ": line 5: <binding> attribute "
                + "'bindingInformation' has invalid value '*:80:example.com'; allowed: a binding no other binding "
                + "uses (site 'A' already has it).");

        Path paths = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                app + "\n<application path=\"/Api\" physicalPath=\"apps/api\" />\n"
                        + "<application path=\"/api\" physicalPath=\"apps/api\" />");
        assertThatThrownBy(() -> parser.parse(paths)).hasMessage(paths + ": line 9: <application> attribute "
                + "'path' has invalid value '/api'; allowed: a virtual path no other <application> of site 'Default "
                + "Web Site' uses (the one on line 8 has it; paths compare case-insensitively).");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<application path=\"api\" physicalPath=\"wwwroot\" />       | 'path' has invalid value 'api'; allowed: \"/\" or a virtual path",
        "<application path=\"/api/\" physicalPath=\"wwwroot\" />     | 'path' has invalid value '/api/'",
        "<application path=\"/a/../b\" physicalPath=\"wwwroot\" />   | 'path' has invalid value '/a/../b'",
        "<application path=\"/\" physicalPath=\"missing\" />         | 'physicalPath' has invalid value 'missing'; allowed: an existing directory (it resolved to ",
        "<application path=\"/\" physicalPath=\"C:\\inetpub\\wwwroot\" /> | which does not exist; a Windows drive path means nothing here",
        "<application path=\"/\" applicationPool=\"x\" physicalPat=\"wwwroot\" /> | attribute 'physicalPat': unrecognized attribute (value 'wwwroot'); allowed attributes of <application>: applicationPool, disallowOverlappingRotation, enabledProtocols, path, physicalPath, preloadEnabled, queueLength,",
        "<application path=\"/\" preloadEnabled=\"maybe\" physicalPath=\"wwwroot\" /> | 'preloadEnabled' has invalid value 'maybe'; allowed: true or false.",
        "<application path=\"/\" disallowOverlappingRotation=\"1\" physicalPath=\"wwwroot\" /> | 'disallowOverlappingRotation' has invalid value '1'; allowed: true or false.",
        "<application path=\"/\" queueLength=\"0\" physicalPath=\"wwwroot\" /> | 'queueLength' has invalid value '0'; allowed: a whole number from 1 to 1000000 (requests the application may hold at once).",
    })
    void refusesBadApplications(String application, String expected) throws Exception {
        Path file = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />", application);
        assertThatThrownBy(() -> parser.parse(file)).hasMessageStartingWith(file + ": line 7: <application>")
                .hasMessageContaining(expected);
    }

    @Test
    void virtualDirectoryFormsAreCheckedToo() throws Exception {
        Path nonRoot = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\">\n<virtualDirectory path=\"/\" physicalPath=\"wwwroot\" />\n"
                        + "<virtualDirectory path=\"/images\" physicalPath=\"wwwroot\" />\n</application>");
        assertThatThrownBy(() -> parser.parse(nonRoot)).hasMessage(nonRoot + ": line 9: <virtualDirectory> "
                + "attribute 'path' has invalid value '/images'; allowed: \"/\" (Porter serves an application from its "
                + "root virtual directory only; make \"/images\" an <application> of its own).");

        Path twice = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\">\n"
                        + "<virtualDirectory path=\"/\" physicalPath=\"apps/api\" />\n</application>");
        assertThatThrownBy(() -> parser.parse(twice)).hasMessage(twice + ": line 8: <virtualDirectory> attribute "
                + "'physicalPath': application '/' already has physicalPath 'wwwroot' (line 7); give it in one place "
                + "only.");

        Path none = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />", "<application path=\"/\" />");
        assertThatThrownBy(() -> parser.parse(none)).hasMessage(none + ": line 7: <application>: application '/' "
                + "needs <virtualDirectory path=\"/\" physicalPath=\"...\"/> (or physicalPath=\"...\" on "
                + "<application>).");
    }

    @Test
    void logFileAndLimitsAreRangeChecked() throws Exception {
        Path period = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />\n"
                        + "<logFile enabled=\"true\" period=\"Fortnightly\" />");
        assertThatThrownBy(() -> parser.parse(period)).hasMessage(period + ": line 8: <logFile> attribute 'period' "
                + "has invalid value 'Fortnightly'; allowed: Hourly, Daily, Weekly, Monthly or MaxSize.");
        Path small = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />\n"
                        + "<logFile period=\"MaxSize\" truncateSize=\"1000\" />");
        assertThatThrownBy(() -> parser.parse(small)).hasMessageStartingWith(small + ": line 8: <logFile> attribute "
                + "'truncateSize' has invalid value '1000'").hasMessageContaining("1048576");
        Path hourly = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />\n<logFile enabled=\"true\" period=\"hourly\" "
                + "localTimeRollover=\"true\" />");
        ServerConfig.LogFile log = parser.parse(hourly).sites().getFirst().logFile();
        assertThat(log.period()).isEqualTo(ServerConfig.LogFile.Period.HOURLY);
        assertThat(log.localTimeRollover()).isTrue();
        assertThat(log.truncateSize()).isEqualTo(ServerConfig.LogFile.DEFAULT_TRUNCATE_SIZE);

        Path enabled = site("<binding protocol=\"http\" bindingInformation=\"*:80:\" />",
                "<application path=\"/\" physicalPath=\"wwwroot\" />\n<logFile enabled=\"yes\" />");
        assertThatThrownBy(() -> parser.parse(enabled)).hasMessage(enabled + ": line 8: <logFile> attribute "
                + "'enabled' has invalid value 'yes'; allowed: true or false.");

        Path webLimits = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                    <webLimits headerWaitTimeout="2.00:00:00" />
                  </system.applicationHost>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(webLimits)).hasMessageStartingWith(webLimits + ": line 5: <webLimits> "
                + "attribute 'headerWaitTimeout' has invalid value '2.00:00:00'; allowed: a time span hh:mm:ss or "
                + "d.hh:mm:ss in whole seconds, from 00:00:00 to 1.00:00:00");

        Path rate = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                    <webLimits minBytesPerSecond="4294967296" />
                  </system.applicationHost>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(rate)).hasMessage(rate + ": line 5: <webLimits> attribute "
                + "'minBytesPerSecond' has invalid value '4294967296'; allowed: a whole number from 0 to 4294967295 "
                + "(bytes per second; 0 disables).");
        Path negativeRate = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                    <webLimits minBytesPerSecond="-1" />
                  </system.applicationHost>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(negativeRate)).hasMessageContaining("line 5: <webLimits> attribute "
                + "'minBytesPerSecond' has invalid value '-1'; allowed: a whole number from 0 to 4294967295");

        Path limits = write("""
                <configuration>
                  <system.applicationHost>
                    <sites><site name="a"><bindings><binding protocol="http" bindingInformation="*:0:"/></bindings>
                      <application path="/" physicalPath="wwwroot"/></site></sites>
                  </system.applicationHost>
                  <system.webServer><security><requestFiltering>
                    <requestLimits maxUrl="-3" /></requestFiltering></security></system.webServer>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(limits)).hasMessage(limits + ": line 7: <requestLimits> attribute "
                + "'maxUrl' has invalid value '-3'; allowed: a whole number from 0 to 2147483647 (characters).");
    }

    @Test
    void missingPiecesAreNamed() throws Exception {
        Path noSites = write("<configuration><system.applicationHost/></configuration>");
        assertThatThrownBy(() -> parser.parse(noSites)).hasMessage(noSites + ": line 1: <system.applicationHost>: "
                + "missing <sites> with at least one <site>.");
        Path noBinding = site("", "<application path=\"/\" physicalPath=\"wwwroot\" />");
        assertThatThrownBy(() -> parser.parse(noBinding)).hasMessageStartingWith(noBinding + ": line 4: <site>: site "
                + "'Default Web Site' has no binding Porter serves; add");
        Path noName = write(sites("<site id=\"1\"><bindings><binding protocol=\"http\" bindingInformation=\"*:1:\"/>"
                + "</bindings></site>"));
        assertThatThrownBy(() -> parser.parse(noName)).hasMessage(noName + ": line 4: <site>: Attribute 'name' is "
                + "required.");
        Path siteTypo = write(sites("<site name=\"a\" serverAutostart=\"true\"></site>"));
        assertThatThrownBy(() -> parser.parse(siteTypo)).hasMessage(siteTypo + ": line 4: <site> attribute "
                + "'serverAutostart': unrecognized attribute (value 'true'); allowed attributes of <site>: id, name, "
                + "serverAutoStart (names are case-sensitive).");
    }

    private Path site(String bindings, String applications) {
        return write("""
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="Default Web Site" id="1">
                        <bindings>%s</bindings>
                        <!-- applications -->
                %s
                      </site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """.formatted(bindings, applications));
    }

    private static String sites(String... sites) {
        return "<configuration>\n<system.applicationHost>\n<sites>\n" + String.join("\n", sites)
                + "\n</sites>\n</system.applicationHost>\n</configuration>\n";
    }

    private Path write(String text) {
        try {
            Path file = dir.resolve("porter.xml");
            Files.writeString(file, text);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
