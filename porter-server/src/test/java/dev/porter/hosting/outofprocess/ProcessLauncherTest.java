package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parent-death signal is tied to the thread that forked the child: forking from a thread that ends kills the
 * child; forking through {@link ProcessLauncher} does not.
 */
class ProcessLauncherTest {

    private final Backends backends = new Backends();

    @AfterEach
    void cleanUp() {
        backends.killLeftovers();
    }

    private static ProcessBuilder sleeper() {
        return new ProcessBuilder(LaunchCommand.SETPRIV.toString(), "--pdeathsig", "KILL", "--", "sleep", "100");
    }

    private static boolean runsSleep(Process p) {
        return p.info().command().map(c -> c.endsWith("/sleep")).orElse(false);
    }

    @Test
    void aChildForkedByAThreadThatEndsIsKilledButOneForkedByTheLauncherLives() throws Exception {
        AtomicReference<Process> direct = new AtomicReference<>();
        AtomicReference<Process> launched = new AtomicReference<>();
        Thread shortLived = Thread.ofPlatform().start(() -> {
            try {
                direct.set(sleeper().start());
                launched.set(ProcessLauncher.start(sleeper()));
                // setpriv sets the signal and then execs sleep: once both run sleep, the signal is armed (a parent
                // that dies before that point is never signalled, the race every pdeathsig user lives with)
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> runsSleep(direct.get()) && runsSleep(launched.get()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        shortLived.join();
        // The hazard ProcessLauncher exists for: the kernel signals when the forking thread exits.
        await().atMost(Duration.ofSeconds(10)).until(() -> !direct.get().isAlive());
        assertThat(launched.get().isAlive()).isTrue();
        for (Process p : List.of(launched.get())) {
            p.toHandle().destroyForcibly();
        }
    }
}
