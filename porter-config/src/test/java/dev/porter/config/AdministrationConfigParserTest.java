package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code <administration>} in porter.xml: off when absent, the binding read as IIS reads one, bad input named. */
class AdministrationConfigParserTest {

    @TempDir
    Path dir;

    private final AdministrationConfigParser parser = new AdministrationConfigParser();

    private Path porterXml(String administration) throws IOException {
        Path file = dir.resolve("porter.xml");
        Files.writeString(file, "<configuration>\n  <system.applicationHost>\n    " + administration + "\n"
                + "    <sites><site name=\"s\"><bindings><binding protocol=\"http\" bindingInformation=\"*:0:\"/>"
                + "</bindings><application path=\"/\"><virtualDirectory path=\"/\" physicalPath=\".\"/></application>"
                + "</site></sites>\n  </system.applicationHost>\n</configuration>\n");
        return file;
    }

    @Test
    void offWithoutTheElement() throws Exception {
        assertThat(parser.parse(porterXml(""))).isEmpty();
    }

    @Test
    void readsAddressPortAndNoAuthentication() throws Exception {
        AdministrationConfig config = parser.parse(porterXml(
                "<administration bindingInformation=\"127.0.0.1:9090:\" />")).orElseThrow();
        assertThat(config.address()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.authentication().enabled()).isFalse();
        assertThat(config.origin()).isEqualTo("porter.xml line 3 <administration>");
        AdministrationConfig any = parser.parse(porterXml("<administration bindingInformation=\"*:0:\" />"))
                .orElseThrow();
        assertThat(any.anyAddress()).isTrue();
        AdministrationConfig v6 = parser.parse(porterXml("<administration bindingInformation=\"[::1]:9090:\" />"))
                .orElseThrow();
        assertThat(v6.address()).isEqualTo("::1");
    }

    @Test
    void badBindingsAndUnknownAttributesAreNamed() throws Exception {
        for (String bad : new String[] {"127.0.0.1:9090", "127.0.0.1:99999:", "localhost:9090:", "127.0.0.1:90:host",
                "::1:9090:"}) {
            Path file = porterXml("<administration bindingInformation=\"" + bad + "\" />");
            assertThatThrownBy(() -> parser.parse(file)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(file + ": line 3: <administration> attribute 'bindingInformation'")
                    .hasMessageContaining("ip:port:");
        }
        Path unknown = porterXml("<administration bindingInformation=\"127.0.0.1:0:\" port=\"1\" />");
        assertThatThrownBy(() -> parser.parse(unknown)).hasMessageContaining("'port'")
                .hasMessageContaining("unrecognized attribute");
        Path two = porterXml("<administration bindingInformation=\"127.0.0.1:0:\" /><administration "
                + "bindingInformation=\"127.0.0.1:1:\" />");
        assertThatThrownBy(() -> parser.parse(two)).hasMessageContaining("a second <administration>");
    }

    @Test
    void aMissingUserFileIsNamedWithWhereItWasConfigured() throws Exception {
        Path file = porterXml("<administration bindingInformation=\"127.0.0.1:0:\" userFile=\"nope.htpasswd\" />");
        assertThatThrownBy(() -> parser.parse(file)).hasMessageContaining("nope.htpasswd")
                .hasMessageContaining("does not exist").hasMessageContaining("<administration userFile>");
    }
}
