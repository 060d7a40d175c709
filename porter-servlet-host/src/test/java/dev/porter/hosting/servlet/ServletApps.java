package dev.porter.hosting.servlet;

import dev.porter.testing.TestApps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Application folders for the in-process Servlet tests: one artifact copied in, and a web.config that runs it. */
final class ServletApps {

    private ServletApps() {
    }

    /**
     * {@code dir/name} holding {@code artifact} as app.war (run with {@code -war app.war}) or, any other artifact, as
     * app.jar ({@code -jar app.jar}), in-process, with these environment variables. startupTimeLimit 120 s: a Spring
     * Boot app's start on a busy machine.
     */
    static Path inProcess(Path dir, String name, Path artifact, Map<String, String> environment) throws IOException {
        Path app = dir.resolve(name);
        Files.createDirectories(app);
        String file = artifact.getFileName().toString().endsWith(".war") ? "app.war" : "app.jar";
        Files.copy(artifact, app.resolve(file));
        TestApps.writeWebConfig(app, Map.of("processPath", "java", "arguments",
                (file.equals("app.war") ? "-war " : "-jar ") + file, "hostingModel", "inprocess",
                "startupTimeLimit", "120"), environment);
        return app;
    }
}
