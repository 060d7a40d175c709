package dev.porter.hosting.inprocess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Recognises a Spring Boot executable jar (or war): the one place in the server that knows the shape, for both of its
 * readers. A Boot jar is one whose main class is Boot's launcher ({@code org.springframework.boot.loader.JarLauncher},
 * {@code .launch.JarLauncher}, {@code PropertiesLauncher}, {@code WarLauncher}); the manifest's
 * {@code Spring-Boot-Version} and {@code Start-Class} say which Boot and which app. {@link ServletDispatch} asks
 * {@link #read(Path)} for {@code -jar app.jar} and hands a Boot jar to the Servlet host (which reads
 * {@code Start-Class} itself and names a missing one); {@link InProcessApplication} asks {@link #of(JavaCommandLine)}
 * and, when no Servlet host is there to serve the jar, answers it with {@link #reason()} before loading anything
 * (Boot's launcher would start its own Tomcat, Jetty or Undertow, which the JDK {@code HttpServer} host cannot serve).
 *
 * <p>Stateless; reads the jar's manifest on each call, from any thread.
 *
 * @param jar the jar the launcher runs
 * @param bootVersion the manifest's {@code Spring-Boot-Version}, or null
 * @param startClass the manifest's {@code Start-Class} (the app's own main class), or null
 */
record SpringBootJar(Path jar, String bootVersion, String startClass) {

    private static final String LAUNCHER_PACKAGE = "org.springframework.boot.loader.";

    /** The Spring Boot jar {@code commandLine} runs, if it runs one: its main class is Boot's launcher. */
    static Optional<SpringBootJar> of(JavaCommandLine commandLine) {
        if (!isLauncher(commandLine.mainClass()) || commandLine.classPath().isEmpty()) {
            return Optional.empty();
        }
        Path jar = commandLine.classPath().getFirst();
        // Recognised by its launcher alone when the manifest cannot be read (-cp app.jar ...JarLauncher).
        return Optional.of(read(jar).orElse(new SpringBootJar(jar, null, null)));
    }

    /**
     * The Spring Boot jar {@code jar} is, if its manifest's {@code Main-Class} is Boot's launcher; empty for a file
     * that is missing, not a jar, or another jar (the caller names those problems).
     */
    static Optional<SpringBootJar> read(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return Optional.empty();
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            if (manifest == null) {
                return Optional.empty();
            }
            Attributes main = manifest.getMainAttributes();
            if (!isLauncher(main.getValue(Attributes.Name.MAIN_CLASS))) {
                return Optional.empty();
            }
            return Optional.of(new SpringBootJar(jar, trimmed(main.getValue("Spring-Boot-Version")),
                    trimmed(main.getValue("Start-Class"))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isLauncher(String mainClass) {
        return mainClass != null && mainClass.trim().startsWith(LAUNCHER_PACKAGE);
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
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
