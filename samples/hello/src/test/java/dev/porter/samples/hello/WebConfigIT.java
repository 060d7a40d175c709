package dev.porter.samples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.HostingModel;
import dev.porter.config.WebConfigParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Both web.config files read as Porter reads them: the hand-written one and the one package writes. */
class WebConfigIT {
    @Test
    void theSamplesWebConfigRunsTheJarOutOfProcess() throws Exception {
        AspNetCoreConfig config = new WebConfigParser().parse(Path.of("web.config")).aspNetCore();
        assertThat(config.processPath()).isEqualTo("java");
        assertThat(config.arguments()).isEqualTo("-jar target/hello.jar");
        assertThat(config.hostingModel()).isEqualTo(HostingModel.OUT_OF_PROCESS);
        assertThat(config.stdoutLogEnabled()).isFalse();
    }

    @Test
    void thePublishedWebConfigIsWhatPorterHostingModelSays() throws Exception {
        AspNetCoreConfig config = new WebConfigParser().parse(Path.of("target", "web.config")).aspNetCore();
        assertThat(config.processPath()).isEqualTo("java");
        assertThat(config.arguments()).isEqualTo("-jar hello.jar");
        assertThat(config.hostingModel()).isEqualTo(HostingModel.OUT_OF_PROCESS);
        assertThat(config.stdoutLogFile()).isEqualTo(".\\logs\\stdout");
    }
}
