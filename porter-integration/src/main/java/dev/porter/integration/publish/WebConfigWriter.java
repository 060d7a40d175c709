package dev.porter.integration.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Writes an app's {@code web.config} at package time, the Java twin of what {@code dotnet publish} does with the
 * {@code <AspNetCoreHostingModel>} project property: the hosting model comes from the Maven property
 * {@code porter.hostingModel} ({@code InProcess} or {@code OutOfProcess}, any case; {@code OutOfProcess} when absent,
 * which runs any framework; {@code InProcess} is refused for a jar whose launcher cannot run inside Porter, see
 * {@link #inProcessMisfit}),
 * {@code processPath}/{@code arguments} run the built jar with the JVM Porter runs on ({@code java -jar app.jar}, the
 * jar's path relative to the web.config's directory), and {@code stdoutLogEnabled="false"} with
 * {@code stdoutLogFile=".\logs\stdout"} as {@code dotnet publish} writes them. The file is rewritten only when its
 * content changes, so a build does not make Porter recycle a running app for nothing.
 *
 * <p>Run by the build (exec-maven-plugin's {@code java} goal, in Maven's own JVM, so it never calls
 * {@code System.exit}):
 * <pre>
 * --hosting-model ${porter.hostingModel} --jar ${project.build.directory}/${project.build.finalName}.jar
 * --output ${project.build.directory}
 * </pre>
 * An unset Maven property arrives as the literal {@code ${porter.hostingModel}} and counts as absent.
 */
public final class WebConfigWriter {
    /** The values {@code porter.hostingModel} accepts, as the error message names them. */
    static final String ALLOWED = "InProcess, OutOfProcess";

    private WebConfigWriter() {
    }

    /**
     * Writes the {@code web.config} the arguments describe.
     *
     * @throws IllegalArgumentException for a bad hosting model or bad arguments; the build fails with its message
     */
    public static void main(String[] args) throws IOException {
        String hostingModel = null;
        Path jar = null;
        Path output = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("web.config writer: " + option + " needs a value; arguments were "
                        + Arrays.toString(args));
            }
            String value = args[++i];
            switch (option) {
                case "--hosting-model":
                    hostingModel = value;
                    break;
                case "--jar":
                    jar = Paths.get(value);
                    break;
                case "--output":
                    output = Paths.get(value);
                    break;
                default:
                    throw new IllegalArgumentException("web.config writer: unknown option '" + option
                            + "'; expected --hosting-model, --jar, --output");
            }
        }
        if (jar == null || output == null) {
            throw new IllegalArgumentException("web.config writer: --jar and --output are required");
        }
        Path written = write(output, jar, hostingModel);
        System.out.println("[porter] wrote " + written + " (hostingModel=" + hostingModel(hostingModel) + ")");
    }

    /** Writes {@code web.config} into {@code directory} (created if missing) and returns its path. */
    public static Path write(Path directory, Path jar, String hostingModel) throws IOException {
        String model = hostingModel(hostingModel);
        if (model.equals("inprocess")) {
            String misfit = inProcessMisfit(jar);
            if (misfit != null) {
                throw new IllegalArgumentException("porter.hostingModel is InProcess, but " + jar.getFileName()
                        + " cannot run in-process: " + misfit + " Set porter.hostingModel to OutOfProcess (or leave "
                        + "it out: OutOfProcess is the default).");
            }
        }
        String content = render(model, arguments(directory, jar));
        Files.createDirectories(directory);
        Path file = directory.resolve("web.config");
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), bytes)) {
            Files.write(file, bytes);
        }
        return file;
    }

    /**
     * {@code inprocess} or {@code outofprocess}, as web.config spells them.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    static String hostingModel(String property) {
        if (property == null || property.trim().isEmpty() || property.startsWith("${")) {
            return "outofprocess"; // every framework runs out-of-process; in-process is a choice
        }
        String value = property.trim().toLowerCase(Locale.ROOT);
        if (value.equals("inprocess") || value.equals("outofprocess")) {
            return value;
        }
        throw new IllegalArgumentException("porter.hostingModel is '" + property + "'; allowed values are " + ALLOWED
                + " (any case; OutOfProcess when the property is absent)");
    }

    /**
     * Why this jar cannot run in-process, or null when nothing says so (a jar that does not exist yet, or any launcher
     * Porter does not know, is given the benefit of the doubt). In-process, Porter loads the jar's {@code Main-Class}
     * into its own JVM and hands it requests through the JDK's {@code HttpServer} API or its Servlet host; a launcher
     * that builds its own class loader and starts its own web server on a port cannot take part:
     * <ul>
     * <li>Spring Boot's launcher ({@code org.springframework.boot.loader.*}) starts embedded Tomcat, unless the app has
     * Porter's starter ({@code porter-spring-boot*} in {@code BOOT-INF/lib} or {@code WEB-INF/lib}), which places its
     * servlets in Porter's host instead;</li>
     * <li>Quarkus's runner ({@code io.quarkus.bootstrap.runner.QuarkusEntryPoint}) starts Vert.x on a port.</li>
     * </ul>
     */
    static String inProcessMisfit(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (main == null) {
                return null;
            }
            if (main.startsWith("org.springframework.boot.loader.")) {
                boolean starter = file.stream().map(JarEntry::getName).anyMatch(n -> n.endsWith(".jar")
                        && (n.startsWith("BOOT-INF/lib/porter-spring-boot")
                                || n.startsWith("WEB-INF/lib/porter-spring-boot")));
                if (starter) {
                    return null;
                }
                return "its Main-Class is Spring Boot's launcher (" + main + "), which starts its own embedded web "
                        + "server on a port; in-process, Porter has to host the app's servlets itself, which needs the "
                        + "dependency dev.porter:porter-spring-boot (Spring Boot 3.5: porter-spring-boot3) in the app.";
            }
            if (main.equals("io.quarkus.bootstrap.runner.QuarkusEntryPoint")) {
                return "its Main-Class is Quarkus's runner (" + main + "), which starts its own Vert.x server on a "
                        + "port; Quarkus runs behind Porter out-of-process.";
            }
            return null;
        }
    }

    /** {@code -jar <jar relative to the web.config directory>}, with forward slashes and quotes if needed. */
    static String arguments(Path directory, Path jar) {
        Path relative = directory.toAbsolutePath().normalize().relativize(jar.toAbsolutePath().normalize());
        String path = relative.toString().replace('\\', '/');
        if (path.indexOf(' ') >= 0) {
            path = "\"" + path + "\"";
        }
        return "-jar " + path;
    }

    static String render(String hostingModel, String arguments) {
        String nl = System.lineSeparator().equals("\r\n") ? "\r\n" : "\n";
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + nl
                + "<configuration>" + nl
                + "  <location path=\".\" inheritInChildApplications=\"false\">" + nl
                + "    <system.webServer>" + nl
                + "      <handlers>" + nl
                + "        <add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"AspNetCoreModuleV2\""
                + " resourceType=\"Unspecified\" />" + nl
                + "      </handlers>" + nl
                + "      <aspNetCore processPath=\"java\" arguments=\"" + xml(arguments) + "\""
                + " stdoutLogEnabled=\"false\" stdoutLogFile=\".\\logs\\stdout\" hostingModel=\"" + hostingModel
                + "\" />" + nl
                + "    </system.webServer>" + nl
                + "  </location>" + nl
                + "</configuration>" + nl
                + "<!--Written by porter-integration's WebConfigWriter from porter.hostingModel-->" + nl;
    }

    private static String xml(String value) {
        return value.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
