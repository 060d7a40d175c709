package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** %VAR% expansion (IIS expanded attributes, §1.2 step 4), Windows-style paths, and the IIS timeSpan format. */
class ExpansionAndPathsTest {

    private final EnvironmentExpander env = new EnvironmentExpander(Map.of("TestVariable", "World", "HOME",
            "/home/porter", "EMPTY", ""));

    @Test
    void expandsVariablesCaseInsensitivelyAndKeepsUnknownOnesAsWritten() {
        assertThat(env.expand("%TestVariable%;Hello")).isEqualTo("World;Hello"); // ANCM's test case
        assertThat(env.expand("%testvariable%/%HOME%")).isEqualTo("World//home/porter");
        assertThat(env.expand("%NOPE%\\x")).isEqualTo("%NOPE%\\x");
        assertThat(env.expand("100% sure")).isEqualTo("100% sure");
        assertThat(env.expand("50%%HOME%")).isEqualTo("50%/home/porter");
        assertThat(env.expand("a%EMPTY%b")).isEqualTo("ab");
        assertThat(env.expand("%%")).isEqualTo("%%");
        assertThat(env.expand(null)).isNull();
    }

    @Test
    void windowsStylePathsResolveAgainstTheApplicationDirectory() {
        Path app = Path.of("/srv/app");
        assertThat(AppPaths.resolve(app, ".\\logs\\stdout")).isEqualTo(Path.of("/srv/app/logs/stdout"));
        assertThat(AppPaths.resolve(app, "..\\shared\\x")).isEqualTo(Path.of("/srv/shared/x"));
        assertThat(AppPaths.resolve(app, "logs/stdout")).isEqualTo(Path.of("/srv/app/logs/stdout"));
        assertThat(AppPaths.resolve(app, "/var/log/app")).isEqualTo(Path.of("/var/log/app"));
    }

    @Test
    void timeSpansInIisForms() {
        assertThat(TimeSpan.parse("00:02:00")).isEqualTo(Duration.ofMinutes(2));
        assertThat(TimeSpan.parse("1.00:00:01")).isEqualTo(Duration.ofSeconds(86401));
        assertThat(TimeSpan.parse("360:00:00")).isEqualTo(Duration.ofHours(360));
        assertThat(TimeSpan.parse("0:0:5.25")).isEqualTo(Duration.ofMillis(5250));
        assertThatThrownBy(() -> TimeSpan.parse("1.24:00:00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeSpan.parse("-00:00:01")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeSpan.parse("2 minutes")).isInstanceOf(IllegalArgumentException.class);
        assertThat(TimeSpan.format(Duration.ofSeconds(1_296_000))).isEqualTo("15.00:00:00");
        assertThat(TimeSpan.formatHours(Duration.ofSeconds(1_296_000))).isEqualTo("360:00:00");
    }

    @Test
    void hostingModelValues() {
        assertThat(HostingModel.parse(null)).contains(HostingModel.OUT_OF_PROCESS);
        assertThat(HostingModel.parse("InProcess")).contains(HostingModel.IN_PROCESS);
        assertThat(HostingModel.parse("in-process")).isEmpty();
    }
}
