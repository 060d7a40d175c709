package dev.porter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.porter.servlet.spi.WebAppSpec;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;

/** The starters' calls into Porter's Servlet host, and the Boot settings named as having no in-process meaning. */
class PorterServletDeploymentTest {

    private static final WebAppSpec SPEC = new WebAppSpec("/api", "demo", Map.of(), List.of(), Map.of(), 1800, false,
            Set.of());

    @Test
    void deploysIntoTheHostServingTheAppAndLetsPorterCloseTheContext() throws Exception {
        try (TestHost host = new TestHost(Map.of());
                GenericApplicationContext context = new GenericApplicationContext()) {
            PorterServletDeployment.deploy(SPEC, (classes, servletContext) -> { }, "server.port=9000", context);
            assertThat(host.deployed).containsExactly(SPEC);
            assertThat(host.ignored).containsExactly("server.port=9000");
            assertThat(host.closeWith).containsExactly(context);
        }
    }

    @Test
    void withoutAHostItSaysSo() {
        assertThatThrownBy(() -> PorterServletDeployment.deploy(SPEC, (classes, context) -> { }, "", null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Porter's Servlet host is not serving this application");
    }

    @Test
    void namesOnlyTheSettingsTheAppMadeThatHaveNoInProcessMeaning() throws Exception {
        assertThat(PorterServletDeployment.ignoredSettings(0, null, false, false, false)).isEmpty();
        assertThat(PorterServletDeployment.ignoredSettings(8080, null, false, false, false)).isEmpty();
        assertThat(PorterServletDeployment.ignoredSettings(9000, InetAddress.getByName("127.0.0.1"), true, true, true))
                .isEqualTo("server.port=9000, server.address=127.0.0.1, server.ssl.*, server.http2.enabled, "
                        + "server.compression.*");
        assertThat(PorterServletDeployment.ignoredSettings(0, null, false, true, false))
                .isEqualTo("server.http2.enabled");
    }

    @Test
    void sessionTimeoutInSeconds() {
        assertThat(PorterServletDeployment.sessionTimeoutSeconds(null)).isEqualTo(-1);
        assertThat(PorterServletDeployment.sessionTimeoutSeconds(Duration.ofMinutes(30))).isEqualTo(1800);
    }
}
