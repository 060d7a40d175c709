package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.testing.HostedApp;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spring Boot app that calls {@code System.exit} while it starts, from a thread other than its main thread
 * (samples/spring-boot's {@code ExitOnStart}: the thread is joined and the app's start goes on as if nothing
 * happened). Only that app stops: the request waiting for it gets 500.30 naming the call, the incarnation is retired
 * (its Jetty server stopped, its context closed, its loader closed) and its class loader is collected; another app in
 * the same Porter serves throughout; the next request starts the app again.
 */
class SpringBootExitOnStartTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp(120_000);

    /**
     * Porter with two copies of the sample: {@code /exiting}, which calls System.exit while it starts ({@code mode}:
     * bean or runner; Development, so its 500.30 names the cause), and {@code /other}, started and serving. Returns
     * the other app's instance id, to show later that it never restarted.
     */
    private String startBesideAnotherApp(String mode) throws IOException {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("/exiting", ServletApps.inProcess(dir, "exiting", SpringBootInProcessTest.SAMPLE_JAR,
                Map.of("PORTER_SAMPLE_EXIT_ON_START", mode, "ASPNETCORE_ENVIRONMENT", "Development")));
        apps.put("/other", ServletApps.inProcess(dir, "other", SpringBootInProcessTest.SAMPLE_JAR, Map.of()));
        hosted.start(TestApps.server(apps));
        return SpringBootInProcessTest.instance(hosted.get("/other/info").bodyText());
    }

    /** The weak reference to its loader the exiting incarnation published before it called System.exit. */
    @SuppressWarnings("unchecked")
    private static WeakReference<ClassLoader> publishedLoader() {
        WeakReference<ClassLoader> loader = (WeakReference<ClassLoader>) System.getProperties()
                .remove("porter.sample.boot.loader");
        assertThat(loader).as("the exiting app published its loader").isNotNull();
        return loader;
    }

    private static void awaitCollected(WeakReference<ClassLoader> loader) {
        // GC is only asked for: a loop, with a guard far beyond what a collection takes. (The JDK may hold the app's
        // classes softly, e.g. a MethodHandle's one-entry asType cache whose last caller was the app's code; the fork
        // runs with -XX:SoftRefLRUPolicyMSPerMB=0, so such a soft reference goes at the next GC, not minutes later.)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            System.gc();
            return loader.refersTo(null);
        });
    }

    /**
     * Exit while the context refreshes (a bean's initialization): the app's Jetty server exists, Boot never got to
     * start it. The request waiting for the start gets 500.30; the start that goes on after the exit is retired.
     */
    @Test
    void exitFromAnotherThreadWhileABeanInitializesIs500Point30AndTheLoaderIsCollected() throws Exception {
        String other = startBesideAnotherApp("bean");

        RawHttp.Response exited = hosted.get("/exiting/hello");
        assertThat(exited.status()).as(exited.bodyText()).isEqualTo(500);
        assertThat(exited.bodyText()).contains("HTTP Error 500.30", "System.exit(3)");
        awaitCollected(publishedLoader());

        assertThat(SpringBootInProcessTest.instance(hosted.get("/other/info").bodyText())).isEqualTo(other);
        // The next request starts the app again (rapid-fail protection allows it): it exits again, the same way.
        RawHttp.Response again = hosted.get("/exiting/hello");
        assertThat(again.status()).as(again.bodyText()).isEqualTo(500);
        assertThat(again.bodyText()).contains("HTTP Error 500.30", "System.exit(3)");
        awaitCollected(publishedLoader());
        assertThat(SpringBootInProcessTest.instance(hosted.get("/other/info").bodyText())).isEqualTo(other);
    }

    /**
     * Exit from an {@code ApplicationRunner}'s thread: the app serves already (the request that started it may get
     * its 200 first); it is retired, its loader collected, and the other app never notices.
     */
    @Test
    void exitFromAnotherThreadInAnApplicationRunnerRetiresTheAppAndTheLoaderIsCollected() throws Exception {
        String other = startBesideAnotherApp("runner");

        RawHttp.Response first = hosted.get("/exiting/hello");
        assertThat(first.status()).as(first.bodyText()).isIn(200, 500);
        await().atMost(Duration.ofSeconds(120)).until(() -> System.getProperties()
                .containsKey("porter.sample.boot.loader"));
        awaitCollected(publishedLoader());
        assertThat(SpringBootInProcessTest.instance(hosted.get("/other/info").bodyText())).isEqualTo(other);
    }
}
