package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.hosting.servlet.ServletAppShape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one Spring Boot jar recogniser and both of its readers: {@link ServletDispatch} (which jar goes to the Servlet
 * host) and {@link InProcessApplication}'s misfit answer (which command line runs Boot's launcher) agree, because both
 * ask {@link SpringBootJar}.
 */
class SpringBootJarTest {

    private static final String LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";

    @TempDir
    Path dir;

    @Test
    void recognisesBootsLaunchersAndReadsVersionAndStartClass() throws Exception {
        for (String launcher : new String[] {LAUNCHER, "org.springframework.boot.loader.JarLauncher",
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "org.springframework.boot.loader.launch.WarLauncher"}) {
            Path jar = jar("boot.jar", Map.of("Main-Class", launcher, "Spring-Boot-Version", "4.0.7",
                    "Start-Class", " com.example.DemoApplication "));
            assertThat(SpringBootJar.read(jar)).as(launcher)
                    .contains(new SpringBootJar(jar, "4.0.7", "com.example.DemoApplication"));
        }
        Path bare = jar("bare.jar", Map.of("Main-Class", LAUNCHER));
        assertThat(SpringBootJar.read(bare)).contains(new SpringBootJar(bare, null, null));
    }

    @Test
    void anythingElseIsNotABootJar() throws Exception {
        assertThat(SpringBootJar.read(jar("plain.jar", Map.of("Main-Class", "com.example.Main")))).isEmpty();
        // Boot's attributes without Boot's launcher: the launcher is what starts an embedded server.
        assertThat(SpringBootJar.read(jar("thin.jar", Map.of("Main-Class", "com.example.Main",
                "Spring-Boot-Version", "3.5.7", "Start-Class", "com.example.Main")))).isEmpty();
        assertThat(SpringBootJar.read(jar("nomain.jar", Map.of("Spring-Boot-Version", "3.5.7")))).isEmpty();
        assertThat(SpringBootJar.read(dir.resolve("missing.jar"))).isEmpty();
        assertThat(SpringBootJar.read(dir)).isEmpty();
        Path text = Files.writeString(dir.resolve("text.jar"), "not a zip");
        assertThat(SpringBootJar.read(text)).isEmpty();
    }

    @Test
    void theCommandLineRunningBootsLauncherIsOneAndSaysSoInOneSentence() throws Exception {
        Path jar = jar("demo.jar", Map.of("Main-Class", LAUNCHER, "Spring-Boot-Version", "3.5.0",
                "Start-Class", "com.example.DemoApplication"));
        SpringBootJar boot = SpringBootJar.of(JavaCommandLine.parse("java", "-jar demo.jar", dir)).orElseThrow();
        assertThat(boot).isEqualTo(new SpringBootJar(jar, "3.5.0", "com.example.DemoApplication"));
        assertThat(boot.reason()).isEqualTo("'demo.jar' is a Spring Boot jar (Spring Boot 3.5.0, Start-Class "
                + "com.example.DemoApplication) that starts its own embedded web server, which Porter's in-process "
                + "JDK HttpServer host cannot serve: run it with hostingModel=\"outofprocess\".");

        Path plain = jar("plain.jar", Map.of("Main-Class", "com.example.Main"));
        assertThat(SpringBootJar.of(JavaCommandLine.parse("java", "-jar plain.jar", dir))).isEmpty();
        // The launcher named on the command line over a jar whose manifest says nothing: still Boot's.
        SpringBootJar byLauncher = SpringBootJar.of(JavaCommandLine.parse("java", "-cp plain.jar " + LAUNCHER, dir))
                .orElseThrow();
        assertThat(byLauncher).isEqualTo(new SpringBootJar(plain, null, null));
        assertThat(byLauncher.reason()).startsWith("'plain.jar' is a Spring Boot jar that starts its own embedded");
    }

    @Test
    void servletDispatchSendsExactlyTheRecognisedJarsToTheServletHost() throws Exception {
        jar("boot.jar", Map.of("Main-Class", LAUNCHER, "Spring-Boot-Version", "4.0.7", "Start-Class", "a.B"));
        jar("plain.jar", Map.of("Main-Class", "com.example.Main"));
        jar("thin.jar", Map.of("Main-Class", "com.example.Main", "Spring-Boot-Version", "3.5.7", "Start-Class", "a.B"));

        ServletAppShape boot = ServletDispatch.shape("java", "-Dx=1 -jar boot.jar --debug", dir);
        assertThat(boot).isEqualTo(new ServletAppShape(ServletAppShape.Kind.SPRING_BOOT_JAR, dir.resolve("boot.jar"),
                "boot.jar", Map.of("x", "1")));
        for (String arguments : new String[] {"-jar plain.jar", "-jar thin.jar", "-jar missing.jar", "-jar",
                "-cp boot.jar a.B"}) {
            assertThat(ServletDispatch.shape("java", arguments, dir)).as(arguments).isNull();
        }
        assertThat(ServletDispatch.shape("/usr/bin/node", "-jar boot.jar", dir)).isNull();
        assertThat(ServletDispatch.shape("java", "-war app.war", dir).kind()).isEqualTo(ServletAppShape.Kind.WAR);
    }

    private Path jar(String name, Map<String, String> attributes) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach(main::putValue);
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("BOOT-INF/classes/"));
            out.closeEntry();
        }
        return jar;
    }
}
