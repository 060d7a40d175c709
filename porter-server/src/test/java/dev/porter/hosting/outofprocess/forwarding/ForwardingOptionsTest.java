package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.porter.config.WebConfigParser;
import dev.porter.testing.TestApps;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options read from a real web.config (spec/ancm-contract.md §4): requestTimeout and the handler setting. */
class ForwardingOptionsTest {

    @TempDir
    Path dir;

    @Test
    void readsRequestTimeoutAndForwardResponseConnectionHeader() throws Exception {
        TestApps.write(dir.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><system.webServer>
                  <aspNetCore processPath="java" requestTimeout="00:00:07" hostingModel="outofprocess">
                    <handlerSettings>
                      <handlerSetting name="ForwardResponseConnectionHeader" value="TRUE" />
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """);
        ForwardingOptions options = ForwardingOptions.of(
                new WebConfigParser().parse(dir.resolve("web.config")).aspNetCore(), true);
        assertThat(options).isEqualTo(new ForwardingOptions(Duration.ofSeconds(7), true, true));
    }

    @Test
    void defaultsAreAncms() throws Exception {
        TestApps.write(dir.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><system.webServer>
                  <aspNetCore processPath="java" hostingModel="outofprocess" />
                </system.webServer></configuration>
                """);
        ForwardingOptions options = ForwardingOptions.of(
                new WebConfigParser().parse(dir.resolve("web.config")).aspNetCore(), false);
        assertThat(options).isEqualTo(new ForwardingOptions(Duration.ofMinutes(2), false, false));
    }

    @Test
    void readsForwardedHeaders() throws Exception {
        TestApps.write(dir.resolve("web.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration><system.webServer>
                  <aspNetCore processPath="java" hostingModel="outofprocess">
                    <handlerSettings>
                      <handlerSetting name="FORWARDEDHEADERS" value="Standard" />
                      <handlerSetting name="forwardedHeaders" value="rfc7239" />
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """);
        ForwardingOptions options = ForwardingOptions.of(
                new WebConfigParser().parse(dir.resolve("web.config")).aspNetCore(), true);
        // names case-insensitive, the first of duplicates wins (ANCM's rule for every handler setting)
        assertThat(options.forwardedHeaders()).isEqualTo(ForwardedHeaders.STANDARD);
    }

    @Test
    void aNegativeTimeoutIsRefused() {
        assertThatThrownBy(() -> new ForwardingOptions(Duration.ofSeconds(-1), false, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout");
    }
}
