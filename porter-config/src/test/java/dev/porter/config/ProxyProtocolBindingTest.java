package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code <binding proxyProtocol="true">}: read per binding, one value per listening socket, bad values named. */
class ProxyProtocolBindingTest {

    @TempDir
    Path dir;

    private Path porterXml(String bindings) throws IOException {
        Files.createDirectories(dir.resolve("wwwroot"));
        Path file = dir.resolve("porter.xml");
        Files.writeString(file, """
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="a"><bindings>%s</bindings><application path="/" physicalPath="wwwroot"/></site>
                    </sites>
                  </system.applicationHost>
                </configuration>
                """.formatted(bindings));
        return file;
    }

    @Test
    void offByDefaultAndOnWhenAsked() throws Exception {
        ServerConfig config = new ServerConfigParser().parse(porterXml("""
                <binding protocol="http" bindingInformation="*:8081:" />
                <binding protocol="http" bindingInformation="10.0.0.5:8082:" proxyProtocol="True" />"""));
        assertThat(config.sites().getFirst().bindings()).extracting(ServerConfig.Binding::proxyProtocol)
                .containsExactly(false, true);
    }

    @Test
    void aValueThatIsNotABooleanIsNamed() throws Exception {
        Path file = porterXml("<binding protocol=\"http\" bindingInformation=\"*:8081:\" proxyProtocol=\"v2\" />");
        assertThatThrownBy(() -> new ServerConfigParser().parse(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("porter.xml").hasMessageContaining("line 4")
                .hasMessageContaining("'proxyProtocol'").hasMessageContaining("v2");
    }

    @Test
    void bindingsSharingASocketMustAgree() throws Exception {
        Path file = porterXml("""
                <binding protocol="http" bindingInformation="*:8081:a.example" proxyProtocol="true" />
                <binding protocol="http" bindingInformation="*:8081:b.example" />""");
        assertThatThrownBy(() -> new ServerConfigParser().parse(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("<binding> attribute 'proxyProtocol' has invalid value 'false'")
                .hasMessageContaining("the same value as the binding on line 4");
    }
}
