package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** web.config reading (spec/ancm-contract.md §4): real-world files, defaults, ranges, and the error messages. */
class WebConfigParserTest {

    private static final EnvironmentExpander ENV = new EnvironmentExpander(Map.of(
            "PORTER_TEST_JAVA", "/opt/jdk/bin/java", "porter_test_data", "/srv/data", "TestVariable", "World",
            "PORTER_TEST_WORLD", "World"));

    @TempDir
    Path dir;

    private final WebConfigParser parser = new WebConfigParser(ENV);

    static Path resource(String name) throws URISyntaxException {
        return Path.of(WebConfigParserTest.class.getResource("/webconfig/" + name).toURI());
    }

    @Test
    void readsWhatDotnetPublishWritesForAnInProcessApp() throws Exception {
        Path file = resource("publish-inprocess.web.config");
        assertThat(Files.readAllBytes(file)).startsWith(0xEF, 0xBB, 0xBF); // the resource really has a BOM ...
        assertThat(Files.readString(file)).contains("\r\n"); // ... and CRLF line endings

        AspNetCoreConfig c = parser.parse(file).aspNetCore();

        assertThat(c.processPath()).isEqualTo("dotnet");
        assertThat(c.arguments()).isEqualTo(".\\MyApp.dll");
        assertThat(c.hostingModel()).isEqualTo(HostingModel.IN_PROCESS);
        assertThat(c.stdoutLogEnabled()).isFalse();
        assertThat(c.stdoutLogFile()).isEqualTo(".\\logs\\stdout");
        assertThat(AppPaths.resolve(Path.of("/srv/app"), c.stdoutLogFile())).isEqualTo(Path.of("/srv/app/logs/stdout"));
        // the §4 defaults
        assertThat(c.startupTimeLimit()).isEqualTo(Duration.ofSeconds(120));
        assertThat(c.shutdownTimeLimit()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.rapidFailsPerMinute()).isEqualTo(10);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.processesPerApplication()).isEqualTo(1);
        assertThat(c.forwardWindowsAuthToken()).isTrue();
        assertThat(c.disableStartUpErrorPage()).isFalse();
        assertThat(c.environmentVariables()).isEmpty();
        assertThat(c.handlerSettings()).isEmpty();
    }

    @Test
    void readsEveryAttributeEnvironmentVariablesAndHandlerSettings() throws Exception {
        WebConfig config = parser.parse(resource("outofprocess-full.web.config"));
        AspNetCoreConfig c = config.aspNetCore();

        assertThat(c.processPath()).isEqualTo("/opt/jdk/bin/java"); // %VAR% expanded, names case-insensitive
        assertThat(c.arguments()).isEqualTo("-jar .\\app.jar --data /srv/data");
        assertThat(c.stdoutLogFile()).isEqualTo("/srv/data\\logs\\stdout");
        assertThat(c.startupTimeLimit()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.shutdownTimeLimit()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.rapidFailsPerMinute()).isEqualTo(3);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(330));
        assertThat(c.stdoutLogEnabled()).isTrue();
        assertThat(c.processesPerApplication()).isEqualTo(2);
        assertThat(c.forwardWindowsAuthToken()).isFalse();
        assertThat(c.disableStartUpErrorPage()).isTrue();
        assertThat(c.hostingModel()).isEqualTo(HostingModel.OUT_OF_PROCESS); // "OutOfProcess": case-insensitive

        // last duplicate wins case-insensitively, in the spelling and place it was last written; values expanded
        assertThat(c.environmentVariables()).containsExactly(Map.entry("OtherVariable", "World;Hello"),
                Map.entry("aspnetcore_environment", "Staging"), Map.entry("EMPTY", ""));

        // names case-insensitive, the first wins
        assertThat(c.handlerSetting("DebugFile")).contains(".\\logs\\ancm.log");
        assertThat(c.handlerSetting("debuglevel")).contains("FILE,TRACE");
        assertThat(c.handlerSetting("shutdownDelay")).contains("2500"); // validated, kept as written
        assertThat(c.handlerFlagUnlessFalse("enableOutOfProcessConsoleRedirection")).isFalse();
        assertThat(c.handlerFlag("setCurrentDirectory", true)).isTrue();

        assertThat(config.requestLimits()).contains(new RequestLimits(52_428_800, 4096, 4096));
    }

    @Test
    void acceptsXmlDocumentTransformAttributesAndNoLocationWrapper() throws Exception {
        AspNetCoreConfig c = parser.parse(resource("xdt.web.config")).aspNetCore();
        assertThat(c.processPath()).isEqualTo("java");
        assertThat(c.arguments()).isEqualTo("-jar app.jar");
        assertThat(c.environmentVariables()).containsExactly(Map.entry("APP_MODE", "release"));
    }

    @Test
    void authenticationAndAccessAreLockedAtServerLevel() throws Exception {
        Path file = write("""
                <configuration>
                  <location path="." inheritInChildApplications="false">
                    <system.webServer>
                      <aspNetCore processPath="dotnet" arguments=".\\App.dll" hostingModel="inprocess" />
                      <security>
                        <authentication>
                          <anonymousAuthentication enabled="false" />
                          <windowsAuthentication enabled="true" />
                        </authentication>
                      </security>
                    </system.webServer>
                  </location>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 6: <authentication>: this section is "
                + "locked at server level (as in IIS, where it is a 500.19): Porter applies <security><authentication> "
                + "server-wide; move it to porter.xml's <system.webServer>.");
    }

    @Test
    void readsAMinimalFileAndAUtf16One() throws Exception {
        AspNetCoreConfig minimal = parser.parse(resource("minimal.web.config")).aspNetCore();
        assertThat(minimal.arguments()).isEmpty();
        assertThat(minimal.hostingModel()).isEqualTo(HostingModel.OUT_OF_PROCESS);
        assertThat(minimal.stdoutLogFile()).isEqualTo(".\\aspnetcore-stdout");

        assertThat(parser.parse(resource("utf16.web.config")).aspNetCore().arguments()).isEqualTo("-jar café.jar");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hostingModel=\"inprocess\"    | IN_PROCESS",
        "hostingModel=\"InProcess\"    | IN_PROCESS",
        "hostingModel=\"OUTOFPROCESS\" | OUT_OF_PROCESS",
        "hostingModel=\"\"             | OUT_OF_PROCESS",
        "''                            | OUT_OF_PROCESS",
    })
    void hostingModelIsCaseInsensitiveAndDefaultsToOutOfProcess(String attribute, HostingModel expected)
            throws Exception {
        assertThat(parser.parse(webConfig(attribute)).aspNetCore().hostingModel()).isEqualTo(expected);
    }

    @Test
    void requestTimeoutAcceptsTheIisTimeSpanFormsUpToItsMaximum() throws Exception {
        assertThat(parser.parse(webConfig("requestTimeout=\"360:00:00\"")).aspNetCore().requestTimeout())
                .isEqualTo(Duration.ofSeconds(1_296_000));
        assertThat(parser.parse(webConfig("requestTimeout=\"15.00:00:00\"")).aspNetCore().requestTimeout())
                .isEqualTo(Duration.ofDays(15));
        assertThat(parser.parse(webConfig("requestTimeout=\"1.02:03:04\"")).aspNetCore().requestTimeout())
                .isEqualTo(Duration.ofSeconds(86400 + 7384));
        assertThat(parser.parse(webConfig("requestTimeout=\"00:00:00\"")).aspNetCore().requestTimeout())
                .isZero();
    }

    @Test
    void rangeBoundariesAreInclusive() throws Exception {
        AspNetCoreConfig c = parser.parse(webConfig("startupTimeLimit=\"3600\" shutdownTimeLimit=\"0\" "
                + "rapidFailsPerMinute=\"100\" processesPerApplication=\"100\" stdoutLogEnabled=\"TRUE\"")).aspNetCore();
        assertThat(c.startupTimeLimit()).isEqualTo(Duration.ofHours(1));
        assertThat(c.shutdownTimeLimit()).isZero();
        assertThat(c.rapidFailsPerMinute()).isEqualTo(100);
        assertThat(c.processesPerApplication()).isEqualTo(100);
        assertThat(c.stdoutLogEnabled()).isTrue();
    }

    /** Each refused value: the message names the file, line, element, attribute, value and the allowed range. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "startupTimeLimit        | 3601      | a whole number from 0 to 3600 (seconds)",
        "startupTimeLimit        | -1        | a whole number from 0 to 3600 (seconds)",
        "startupTimeLimit        | 2m        | a whole number from 0 to 3600 (seconds)",
        "shutdownTimeLimit       | 601       | a whole number from 0 to 600 (seconds)",
        "rapidFailsPerMinute     | 101       | a whole number from 0 to 100",
        "processesPerApplication | 0         | a whole number from 1 to 100",
        "processesPerApplication | 101       | a whole number from 1 to 100",
        "requestTimeout          | 360:00:01 | from 00:00:00 to 15.00:00:00 (360:00:00)",
        "requestTimeout          | 16.00:00:00 | from 00:00:00 to 15.00:00:00 (360:00:00)",
        "requestTimeout          | 120       | a time span hh:mm:ss or d.hh:mm:ss in whole seconds",
        "requestTimeout          | 00:00:00.5 | in whole seconds",
        "requestTimeout          | 00:61:00  | a time span hh:mm:ss",
        "stdoutLogEnabled        | yes       | true or false",
        "forwardWindowsAuthToken | 1         | true or false",
        "disableStartUpErrorPage | on        | true or false",
    })
    void refusesOutOfRangeValuesNamingWhereAndWhatIsAllowed(String attribute, String value, String allowed)
            throws Exception {
        Path file = webConfig(attribute + "=\"" + value + "\"");
        assertThatThrownBy(() -> parser.parse(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": line 5: <aspNetCore> attribute '" + attribute
                        + "' has invalid value '" + value + "'; allowed: ")
                .hasMessageContaining(allowed);
    }

    @Test
    void unknownHostingModelGivesAncmsMessage() throws Exception {
        Path file = webConfig("hostingModel=\"inproc\"");
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 5: <aspNetCore> attribute "
                + "'hostingModel': Unknown hosting model 'inproc'. Please specify either hostingModel=\"inprocess\" "
                + "or hostingModel=\"outofprocess\" in the web.config file.");
    }

    @Test
    void missingOrEmptyProcessPathIsRequired() throws Exception {
        Path missing = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore arguments="-jar app.jar" />
                  </system.webServer>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(missing))
                .hasMessage(missing + ": line 3: <aspNetCore>: Attribute 'processPath' is required.");
        Path empty = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="" />
                  </system.webServer>
                </configuration>
                """);
        // ANCM's sentence for an empty processPath too (spec §4), after where and what
        assertThatThrownBy(() -> parser.parse(empty)).hasMessage(empty + ": line 3: <aspNetCore> attribute "
                + "'processPath': the value is empty. Attribute 'processPath' is required.");
    }

    @Test
    void anErrorOnAMultiLineTagPointsAtTheAttributesLine() throws Exception {
        Path file = write("""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java"
                                arguments="-jar app.jar"
                                shutdownTimeLimit="900"
                                hostingModel="outofprocess" />
                  </system.webServer>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 6: <aspNetCore> attribute "
                + "'shutdownTimeLimit' has invalid value '900'; allowed: a whole number from 0 to 600 (seconds).");
    }

    @Test
    void linesStayRightAfterNonAsciiTextAndWithSeveralTagsOnALine() throws Exception {
        Path file = write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration><!-- café, naïve, 日本語 -->\r\n"
                + "<system.webServer><handlers><add name=\"é\" path=\"*\" verb=\"*\" modules=\"AspNetCoreModuleV2\" "
                + "resourceType=\"Unspecified\"/></handlers><aspNetCore processPath=\"java\"\r\n"
                + "  arguments=\"-Dname=日本\" rapidFailsPerMinute=\"1000\"/></system.webServer></configuration>\r\n");
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 4: <aspNetCore> attribute "
                + "'rapidFailsPerMinute' has invalid value '1000'; allowed: a whole number from 0 to 100.");
        Path missing = write("<configuration>\n<system.webServer>\n<aspNetCore\n    arguments=\"ü\"\n    />\n"
                + "</system.webServer>\n</configuration>\n");
        assertThatThrownBy(() -> parser.parse(missing))
                .hasMessage(missing + ": line 3: <aspNetCore>: Attribute 'processPath' is required.");
    }

    @Test
    void aMisspelledAttributeIsNamedWithTheAllowedOnes() throws Exception {
        Path file = webConfig("stdoutLogEnable=\"true\"");
        assertThatThrownBy(() -> parser.parse(file))
                .hasMessageStartingWith(file + ": line 5: <aspNetCore> attribute 'stdoutLogEnable': unrecognized "
                        + "attribute (value 'true'); allowed attributes of <aspNetCore>: arguments, "
                        + "disableStartUpErrorPage, forwardWindowsAuthToken, hostingModel, processPath,");
    }

    @Test
    void addInsteadOfEnvironmentVariableIsAnAuthoringError() throws Exception {
        Path file = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java">
                      <environmentVariables>
                        <add name="ASPNETCORE_ENVIRONMENT" value="Development" />
                      </environmentVariables>
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 5: <add>: Unable to get required "
                + "configuration section 'system.webServer/aspNetCore'. Possible reason is web.config authoring error. "
                + "<environmentVariables> holds <environmentVariable name=\"...\" value=\"...\"/> entries, not <add>.");
    }

    @Test
    void environmentVariableNeedsANameAndAValue() throws Exception {
        Path noName = envVar("<environmentVariable value=\"x\" />");
        assertThatThrownBy(() -> parser.parse(noName))
                .hasMessage(noName + ": line 5: <environmentVariable>: Attribute 'name' is required.");
        Path noValue = envVar("<environmentVariable name=\"X\" />");
        assertThatThrownBy(() -> parser.parse(noValue))
                .hasMessage(noValue + ": line 5: <environmentVariable>: Attribute 'value' is required (entry 'X').");
    }

    @Test
    void clearEmptiesTheCollectionSoFar() throws Exception {
        Path file = envVar("<environmentVariable name=\"A\" value=\"1\" /><clear /><environmentVariable name=\"B\" "
                + "value=\"2\" />");
        assertThat(parser.parse(file).aspNetCore().environmentVariables()).containsExactly(Map.entry("B", "2"));
    }

    @Test
    void collectionElementsTakeOnlyTheirAttributes() throws Exception {
        Path file = envVar("<clear all=\"true\" />");
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 5: <clear> attribute 'all': "
                + "unrecognized attribute (value 'true'); <clear> takes no attributes.");
        Path typo = envVar("<environmentVariable name=\"A\" vaule=\"1\" />");
        assertThatThrownBy(() -> parser.parse(typo)).hasMessage(typo + ": line 5: <environmentVariable> attribute "
                + "'vaule': unrecognized attribute (value '1'); allowed attributes of <environmentVariable>: name, "
                + "value (names are case-sensitive).");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "debugLevel    | FILE,VERBOSE  | a comma-separated list of error, warning, info, trace, console, file, eventlog",
        "shutdownDelay | -5            | a whole number of milliseconds from 0 to 2147483647",
        "shutdownDelay | 1s            | a whole number of milliseconds from 0 to 2147483647",
        "stackSize     | 0             | greater than 0",
        "stackSize     | 0xZZ          | decimal (1048576) or hexadecimal (0x100000)",
        "rapidFailProtectionMaxCrashes | -1       | a whole number of failures from 0 (off) to 1000",
        "rapidFailProtectionMaxCrashes | 1001     | a whole number of failures from 0 (off) to 1000",
        "rapidFailProtectionInterval   | 5        | an IIS time span ([d.]hh:mm:ss) from 00:00:01 to 1.00:00:00",
        "rapidFailProtectionInterval   | 00:00:00 | an IIS time span ([d.]hh:mm:ss) from 00:00:01 to 1.00:00:00",
        "rapidFailProtectionInterval   | 2.00:00:00 | an IIS time span ([d.]hh:mm:ss) from 00:00:01 to 1.00:00:00",
        "forwardedHeaders | x-forwarded | ancm (the default: X-Forwarded-For as ip:port, appended), standard",
    })
    void typedHandlerSettingsAreValidated(String name, String value, String allowed) throws Exception {
        Path file = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java">
                      <handlerSettings>
                        <handlerSetting name="%s" value="%s" />
                      </handlerSettings>
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """.formatted(name, value));
        assertThatThrownBy(() -> parser.parse(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": line 5: <handlerSetting name=\"" + name + "\"> attribute 'value' "
                        + "has invalid value '" + value + "'; allowed for " + name.toLowerCase() + ": ")
                .hasMessageContaining(allowed);
    }

    @Test
    void debugLevelTokensMatchByPrefixAndIgnoreCase() throws Exception {
        Path file = write("""
                <configuration><system.webServer><aspNetCore processPath="java"><handlerSettings>
                  <handlerSetting name="debugLevel" value="Errors, CONSOLE,eventLog" />
                  <handlerSetting name="stackSize" value="1048576" />
                  <handlerSetting name="forwardedHeaders" value=" Standard " />
                </handlerSettings></aspNetCore></system.webServer></configuration>
                """);
        assertThat(parser.parse(file).aspNetCore().handlerSettings()).containsEntry("debuglevel",
                "Errors, CONSOLE,eventLog");
    }

    @Test
    void aSecondAspNetCoreSectionIsRefused() throws Exception {
        Path file = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java" />
                  </system.webServer>
                  <location path="." inheritInChildApplications="false">
                    <system.webServer>
                      <aspNetCore processPath="dotnet" />
                    </system.webServer>
                  </location>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 7: <aspNetCore>: a second "
                + "<aspNetCore> section (the first is on line 3); there must be exactly one.");
    }

    @Test
    void locationsForSubPathsAreIgnoredAndLimitsMayLiveOutsideTheWrapper() throws Exception {
        Path file = write("""
                <configuration>
                  <location path="admin">
                    <system.webServer><aspNetCore processPath="other" /></system.webServer>
                  </location>
                  <location path="." inheritInChildApplications="false">
                    <system.webServer><aspNetCore processPath="java" /></system.webServer>
                  </location>
                  <system.webServer>
                    <security><requestFiltering><requestLimits maxUrl="100" /></requestFiltering></security>
                  </system.webServer>
                </configuration>
                """);
        WebConfig config = parser.parse(file);
        assertThat(config.aspNetCore().processPath()).isEqualTo("java");
        assertThat(config.requestLimits()).contains(new RequestLimits(30_000_000, 100, 2048));
    }

    @Test
    void requestLimitsAreRangeChecked() throws Exception {
        Path file = write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java" />
                    <security><requestFiltering>
                      <requestLimits maxAllowedContentLength="4294967296" />
                    </requestFiltering></security>
                  </system.webServer>
                </configuration>
                """);
        assertThatThrownBy(() -> parser.parse(file)).hasMessage(file + ": line 5: <requestLimits> attribute "
                + "'maxAllowedContentLength' has invalid value '4294967296'; allowed: a whole number from 0 to "
                + "4294967295 (bytes).");
    }

    @Test
    void brokenXmlAndMissingSectionsSayWhere() throws Exception {
        Path broken = write("<configuration>\n  <system.webServer>\n    <aspNetCore processPath=\"java\">\n"
                + "  </system.webServer>\n</configuration>\n");
        assertThatThrownBy(() -> parser.parse(broken)).hasMessageStartingWith(broken + ": line 4, column ")
                .hasMessageContaining("not well-formed XML");
        Path none = write("<configuration><system.webServer/></configuration>");
        assertThatThrownBy(() -> parser.parse(none)).hasMessageStartingWith(none + ": no <system.webServer>"
                + "<aspNetCore> section");
        Path doctype = write("<?xml version=\"1.0\"?>\n<!DOCTYPE configuration [<!ENTITY x SYSTEM "
                + "\"file:///etc/passwd\">]>\n<configuration><system.webServer><aspNetCore processPath=\"&x;\"/>"
                + "</system.webServer></configuration>");
        assertThatThrownBy(() -> parser.parse(doctype)).hasMessageContaining("DOCTYPE");
        assertThatThrownBy(() -> parser.parse(dir.resolve("nope/web.config")))
                .hasMessage(dir.resolve("nope/web.config") + ": the file does not exist.");
    }

    @Test
    void webSocketEnabledFalseTurnsWebSocketsOffAndAnythingElseIsNamed() throws Exception {
        assertThat(parser.parse(webConfig("")).webSocketEnabled()).isTrue();
        Path off = write("""
                <configuration><system.webServer>
                  <webSocket enabled="false" pingInterval="00:00:30" />
                  <aspNetCore processPath="java" />
                </system.webServer></configuration>
                """);
        assertThat(parser.parse(off).webSocketEnabled()).isFalse();
        Path wrong = write("""
                <configuration><system.webServer>
                  <webSocket enabled="no" />
                  <aspNetCore processPath="java" />
                </system.webServer></configuration>
                """);
        assertThatThrownBy(() -> parser.parse(wrong)).hasMessageContaining("line 2: <webSocket> attribute 'enabled' "
                + "has invalid value 'no'");
    }

    private Path webConfig(String aspNetCoreAttributes) {
        return write("""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <location path="." inheritInChildApplications="false">
                    <system.webServer>
                      <aspNetCore processPath="java" arguments="-jar app.jar" %s />
                    </system.webServer>
                  </location>
                </configuration>
                """.formatted(aspNetCoreAttributes));
    }

    private Path envVar(String entries) {
        return write("""
                <configuration>
                  <system.webServer>
                    <aspNetCore processPath="java">
                      <environmentVariables>
                        %s
                      </environmentVariables>
                    </aspNetCore>
                  </system.webServer>
                </configuration>
                """.formatted(entries));
    }

    private Path write(String text) {
        try {
            Path file = dir.resolve("web.config");
            Files.writeString(file, text);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
