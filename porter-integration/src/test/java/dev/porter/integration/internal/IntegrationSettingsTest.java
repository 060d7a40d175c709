package dev.porter.integration.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IntegrationSettingsTest {
    private static Map<String, String> env(String port, String applPath, String token) {
        Map<String, String> env = new HashMap<>();
        if (port != null) {
            env.put("ASPNETCORE_PORT", port);
        }
        if (applPath != null) {
            env.put("ASPNETCORE_APPL_PATH", applPath);
        }
        if (token != null) {
            env.put("ASPNETCORE_TOKEN", token);
        }
        return env;
    }

    @Test
    void activeOnlyWhenAllThreeAreNonEmpty() {
        assertThat(IntegrationSettings.from(env("5000", "/", "t")::get)).isPresent();
        assertThat(IntegrationSettings.from(env(null, "/", "t")::get)).isEmpty();
        assertThat(IntegrationSettings.from(env("5000", null, "t")::get)).isEmpty();
        assertThat(IntegrationSettings.from(env("5000", "/", null)::get)).isEmpty();
        assertThat(IntegrationSettings.from(env("", "/", "t")::get)).isEmpty();
        assertThat(IntegrationSettings.from(env("5000", "", "t")::get)).isEmpty();
        assertThat(IntegrationSettings.from(env("5000", "/", "")::get)).isEmpty();
        assertThat(IntegrationSettings.from(env(null, null, null)::get)).isEmpty();
    }

    @Test
    void readsPortAndTokenAndKeepsTokenOutOfToString() {
        IntegrationSettings settings = IntegrationSettings.from(env("31337", "/app1", "secret-token")::get).get();
        assertThat(settings.port()).isEqualTo(31337);
        assertThat(settings.token()).isEqualTo("secret-token");
        assertThat(settings.toString()).doesNotContain("secret-token");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', emptyValue = "", value = {"/ | ''", "/app1 | /app1", "/app1/ | /app1", "app1 | /app1",
        "/a/b | /a/b"})
    void normalizesThePathBase(String applPath, String expected) {
        assertThat(IntegrationSettings.from(env("1", applPath, "t")::get).get().pathBase()).isEqualTo(expected);
    }

    @Test
    void aPortThatIsNoNumberFailsInsteadOfRunningStandalone() {
        assertThatThrownBy(() -> IntegrationSettings.from(env("noninteger", "/", "t")::get))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ASPNETCORE_PORT");
        assertThatThrownBy(() -> IntegrationSettings.from(env("70000", "/", "t")::get))
                .isInstanceOf(IllegalStateException.class);
    }
}
