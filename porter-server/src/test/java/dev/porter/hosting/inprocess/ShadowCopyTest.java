package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.hosting.outofprocess.Backends;
import dev.porter.testing.HostedApp;
import dev.porter.testing.TestApps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redeploy by copying files (issue #16 item 2): with ANCM's {@code enableShadowCopy} the app runs from a numbered copy
 * of its directory, and a changed file in the app directory (a new jar) recycles it, overlapped; the logs folder does
 * not count.
 */
class ShadowCopyTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final HostedApp hosted = new HostedApp();

    private Path app;

    private void writeWebConfig(String processPath, String arguments, String hostingModel) {
        writeWebConfig(processPath, arguments, hostingModel, "");
    }

    private void writeWebConfig(String processPath, String arguments, String hostingModel, String moreSettings) {
        TestApps.write(app.resolve("web.config"), """
                <configuration><system.webServer>
                  <aspNetCore processPath="%s" arguments="%s" hostingModel="%s">
                    <handlerSettings>
                      <handlerSetting name="enableShadowCopy" value="true" />
                      <handlerSetting name="shadowCopyDirectory" value="../shadow" />
                      %s
                    </handlerSettings>
                  </aspNetCore>
                </system.webServer></configuration>
                """.formatted(processPath, arguments, hostingModel, moreSettings));
    }

    /** Copies a killed Porter left behind: two numbered ones and a folder of the user's own. */
    private void leaveCopiesOfAnEarlierRun() {
        TestApps.write(dir.resolve("shadow/0/lib/app.jar"), "stale 0");
        TestApps.write(dir.resolve("shadow/3/lib/app.jar"), "stale 3");
        TestApps.write(dir.resolve("shadow/notes/readme.txt"), "mine");
    }

    @Test
    void cleanShadowCopyDirectoryRemovesTheCopiesAnEarlierRunLeftBeforeTheFirstCopy() throws Exception {
        app = dir.resolve("app");
        TestApps.write(app.resolve("lib/app.jar"), "version 1");
        leaveCopiesOfAnEarlierRun();
        writeWebConfig(TestApps.javaExecutable(), Backends.attributes(List.of()).get("arguments"), "outofprocess",
                "<handlerSetting name=\"cleanShadowCopyDirectory\" value=\"true\" />");
        hosted.start(app);
        Path shadow = dir.resolve("shadow").toRealPath();
        assertThat(hosted.get("/cwd").bodyText()).isEqualTo(shadow.resolve("0").toString());
        assertThat(shadow.resolve("0/lib/app.jar")).hasContent("version 1");
        assertThat(shadow.resolve("3")).doesNotExist();
        assertThat(shadow.resolve("notes/readme.txt")).hasContent("mine");
    }

    @Test
    void withoutCleanShadowCopyDirectoryTheLeftoversStayAndTheNumberingGoesOn() throws Exception {
        app = dir.resolve("app");
        TestApps.write(app.resolve("lib/app.jar"), "version 1");
        leaveCopiesOfAnEarlierRun();
        writeWebConfig(TestApps.javaExecutable(), Backends.attributes(List.of()).get("arguments"), "outofprocess");
        hosted.start(app);
        Path shadow = dir.resolve("shadow").toRealPath();
        assertThat(hosted.get("/cwd").bodyText()).isEqualTo(shadow.resolve("4").toString());
        assertThat(shadow.resolve("0/lib/app.jar")).hasContent("stale 0");
        assertThat(shadow.resolve("3/lib/app.jar")).hasContent("stale 3");
    }

    @Test
    void outOfProcessRunsFromACopyAndANewFileRecyclesItOverlapped() throws Exception {
        app = dir.resolve("app");
        TestApps.write(app.resolve("lib/app.jar"), "version 1");
        writeWebConfig(TestApps.javaExecutable(), Backends.attributes(List.of()).get("arguments"), "outofprocess");
        hosted.start(app);
        String cwd = hosted.get("/cwd").bodyText(); // the first request starts the app (and makes its copy)
        Path shadow = dir.resolve("shadow").toRealPath();
        assertThat(cwd).isEqualTo(shadow.resolve("0").toString());
        assertThat(shadow.resolve("0/lib/app.jar")).hasContent("version 1");
        String first = hosted.get("/pid").bodyText();

        // the logs folder is not the app's files: writing there recycles nothing
        TestApps.write(app.resolve("logs/stdout_1.log"), "a log line");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> hosted.get("/pid").bodyText().equals(first));

        TestApps.write(app.resolve("lib/app.jar"), "version 2"); // a deploy copies a new jar over the old one
        await().atMost(Duration.ofSeconds(60)).until(() -> !hosted.get("/pid").bodyText().equals(first));
        assertThat(hosted.get("/cwd").bodyText()).isEqualTo(shadow.resolve("1").toString());
        assertThat(shadow.resolve("1/lib/app.jar")).hasContent("version 2");
        assertThat(shadow.resolve("1/logs")).doesNotExist();
        assertThat(hosted.events().messages()).anyMatch(m -> m.contains("was recycled due to a change to its files "
                + "(shadow copy) (overlapped"));
        // the old incarnation's copy goes once it has stopped
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(shadow.resolve("0")));
        assertThat(app.resolve("lib/app.jar")).hasContent("version 2"); // the app directory is the deploy's
    }

    @Test
    void inProcessLoadsTheJarFromTheCopyAndANewJarStartsAFreshDomain() throws Exception {
        app = dir.resolve("app");
        AppJars.build(app.resolve("app.jar"), InProcessHostingTest.APP);
        writeWebConfig("java", "-jar app.jar", "inprocess");
        hosted.start(app);
        String userDir = hosted.get("/prop?name=user.dir").bodyText();
        Path shadow = dir.resolve("shadow").toRealPath();
        assertThat(userDir).isEqualTo(shadow.resolve("0").toString());
        String first = hosted.get("/incarnation").bodyText();

        Path built = AppJars.build(dir.resolve("next/app.jar"), InProcessHostingTest.APP,
                "dev.porter.testapps.inprocess.InProcessHelper");
        Files.copy(built, app.resolve("app.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(60)).until(() -> !hosted.get("/incarnation").bodyText().equals(first));
        assertThat(hosted.get("/prop?name=user.dir").bodyText()).isEqualTo(shadow.resolve("1").toString());
        assertThat(Files.mismatch(shadow.resolve("1/app.jar"), app.resolve("app.jar"))).isEqualTo(-1L);
    }
}
