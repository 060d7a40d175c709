package dev.porter.integration.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class WebConfigWriterTest {
    @TempDir
    Path dir;

    private static Element aspNetCore(Path file) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return (Element) document.getElementsByTagName("aspNetCore").item(0);
    }

    @ParameterizedTest(name = "porter.hostingModel ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "InProcess    | inprocess",
        "inprocess    | inprocess",
        "INPROCESS    | inprocess",
        "OutOfProcess | outofprocess",
        "outofprocess | outofprocess",
        "OUTOFPROCESS | outofprocess",
        "' OutOfProcess ' | outofprocess",
        // absent: the property is not defined, so Maven passes its expression through, or nothing
        "${porter.hostingModel} | outofprocess",
        "''           | outofprocess",
    })
    void theHostingModelComesFromTheProperty(String property, String expected) throws Exception {
        Path file = WebConfigWriter.write(dir, dir.resolve("app.jar"), property);
        assertThat(aspNetCore(file).getAttribute("hostingModel")).isEqualTo(expected);
    }

    @Test
    void anAbsentPropertyMeansOutOfProcessWhichRunsAnyFramework() throws Exception {
        Path file = WebConfigWriter.write(dir, dir.resolve("app.jar"), null);
        assertThat(aspNetCore(file).getAttribute("hostingModel")).isEqualTo("outofprocess");
    }

    private Path jar(String name, String mainClass, String... entries) throws Exception {
        Path jar = dir.resolve(name);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            for (String entry : entries) {
                out.putNextEntry(new JarEntry(entry));
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void inProcessIsRefusedForASpringBootLauncherJarWithTheReason() throws Exception {
        Path boot = jar("shop.jar", "org.springframework.boot.loader.launch.JarLauncher",
                "BOOT-INF/lib/spring-webmvc-7.0.0.jar");
        assertThatThrownBy(() -> WebConfigWriter.write(dir, boot, "InProcess"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shop.jar cannot run in-process")
                .hasMessageContaining("Spring Boot's launcher (org.springframework.boot.loader.launch.JarLauncher)")
                .hasMessageContaining("dev.porter:porter-spring-boot")
                .hasMessageContaining("Set porter.hostingModel to OutOfProcess");
        assertThat(dir.resolve("web.config")).doesNotExist();
        assertThat(aspNetCore(WebConfigWriter.write(dir, boot, "OutOfProcess")).getAttribute("hostingModel"))
                .isEqualTo("outofprocess");
        Path quarkus = jar("quarkus-run.jar", "io.quarkus.bootstrap.runner.QuarkusEntryPoint");
        assertThatThrownBy(() -> WebConfigWriter.write(dir, quarkus, "inprocess"))
                .hasMessageContaining("Quarkus's runner");
    }

    @Test
    void inProcessIsAllowedForABootJarWithPortersStarterAndForAPlainMain() throws Exception {
        Path boot = jar("shop.jar", "org.springframework.boot.loader.launch.JarLauncher",
                "BOOT-INF/lib/porter-spring-boot-0.1.0-SNAPSHOT.jar");
        assertThat(aspNetCore(WebConfigWriter.write(dir, boot, "InProcess")).getAttribute("hostingModel"))
                .isEqualTo("inprocess");
        Path plain = jar("hello.jar", "com.example.Hello");
        assertThat(aspNetCore(WebConfigWriter.write(dir, plain, "InProcess")).getAttribute("hostingModel"))
                .isEqualTo("inprocess");
    }

    @ParameterizedTest
    @CsvSource({"InProc", "out-of-process", "both", "true"})
    void aBadValueFailsNamingTheAllowedValues(String property) {
        assertThatThrownBy(() -> WebConfigWriter.write(dir, dir.resolve("app.jar"), property))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("porter.hostingModel is '" + property + "'")
                .hasMessageContaining("InProcess, OutOfProcess");
        assertThat(dir.resolve("web.config")).doesNotExist();
    }

    @Test
    void writesWhatDotnetPublishWritesWithAJavaCommandLine() throws Exception {
        Path file = WebConfigWriter.write(dir, dir.resolve("hello.jar"), "OutOfProcess");
        Element element = aspNetCore(file);
        assertThat(element.getAttribute("processPath")).isEqualTo("java");
        assertThat(element.getAttribute("arguments")).isEqualTo("-jar hello.jar");
        assertThat(element.getAttribute("stdoutLogEnabled")).isEqualTo("false");
        assertThat(element.getAttribute("stdoutLogFile")).isEqualTo(".\\logs\\stdout");
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertThat(text).contains("<location path=\".\" inheritInChildApplications=\"false\">")
                .contains("modules=\"AspNetCoreModuleV2\"");
    }

    @Test
    void theJarPathIsRelativeToTheWebConfigDirectory() throws Exception {
        Path jar = dir.resolve("target").resolve("my app.jar");
        Path file = WebConfigWriter.write(dir, jar, "OutOfProcess");
        assertThat(aspNetCore(file).getAttribute("arguments")).isEqualTo("-jar \"target/my app.jar\"");
    }

    @Test
    void anUnchangedFileIsNotRewrittenSoPorterDoesNotRecycleTheApp() throws Exception {
        Path file = WebConfigWriter.write(dir, dir.resolve("app.jar"), "OutOfProcess");
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(file, old);
        WebConfigWriter.write(dir, dir.resolve("app.jar"), "outofprocess");
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(old);
        WebConfigWriter.write(dir, dir.resolve("app.jar"), "InProcess");
        assertThat(Files.getLastModifiedTime(file)).isNotEqualTo(old);
    }

    @Test
    void mainTakesTheBuildsArguments() throws Exception {
        WebConfigWriter.main(new String[] {"--hosting-model", "OutOfProcess", "--jar",
            dir.resolve("x.jar").toString(), "--output", dir.toString()});
        assertThat(aspNetCore(dir.resolve("web.config")).getAttribute("hostingModel")).isEqualTo("outofprocess");
        assertThatThrownBy(() -> WebConfigWriter.main(new String[] {"--bogus", "1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--bogus");
    }
}
