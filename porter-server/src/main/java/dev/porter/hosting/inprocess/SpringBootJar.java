package dev.porter.hosting.inprocess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Recognises a Spring Boot executable jar (or war) from what the command line runs: Boot's launcher
 * ({@code org.springframework.boot.loader.JarLauncher}, {@code .launch.JarLauncher}, {@code PropertiesLauncher},
 * {@code WarLauncher}) as the main class, with the jar's {@code Spring-Boot-Version} and {@code Start-Class} for the
 * message. Such a jar starts its own Tomcat, Jetty or Undertow, which does not fit the JDK {@code HttpServer}
 * in-process host: {@link InProcessApplication} answers it with {@link #reason()} before loading anything. This is
 * the one place that knows the shape, so a Servlet host that serves Boot jars in-process can take them from here.
 *
 * @param jar the jar the launcher runs
 * @param bootVersion the manifest's {@code Spring-Boot-Version}, or null
 * @param startClass the manifest's {@code Start-Class} (the app's own main class), or null
 */
record SpringBootJar(Path jar, String bootVersion, String startClass) {

    private static final String LAUNCHER_PACKAGE = "org.springframework.boot.loader.";

    /** The Spring Boot jar {@code commandLine} runs, if it runs one. */
    static Optional<SpringBootJar> of(JavaCommandLine commandLine) {
        if (!commandLine.mainClass().startsWith(LAUNCHER_PACKAGE) || commandLine.classPath().isEmpty()) {
            return Optional.empty();
        }
        Path jar = commandLine.classPath().getFirst();
        String version = null;
        String start = null;
        if (Files.isRegularFile(jar)) {
            try (JarFile file = new JarFile(jar.toFile())) {
                Manifest manifest = file.getManifest();
                if (manifest != null) {
                    Attributes main = manifest.getMainAttributes();
                    version = main.getValue("Spring-Boot-Version");
                    start = main.getValue("Start-Class");
                }
            } catch (IOException e) {
                // recognised by its launcher alone
            }
        }
        return Optional.of(new SpringBootJar(jar, version, start));
    }

    /** The one-sentence answer: what it is, why it does not fit, what to do. */
    String reason() {
        String what = "'" + jar.getFileName() + "' is a Spring Boot jar"
                + (bootVersion == null ? "" : " (Spring Boot " + bootVersion
                + (startClass == null ? "" : ", Start-Class " + startClass) + ")");
        return what + " that starts its own embedded web server, which Porter's in-process JDK HttpServer host cannot "
                + "serve: run it with hostingModel=\"outofprocess\".";
    }
}
