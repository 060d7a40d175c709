package dev.porter.integration.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;

/**
 * Writes an app's {@code web.config} at package time, the Java twin of what {@code dotnet publish} does with the
 * {@code <AspNetCoreHostingModel>} project property: the hosting model comes from the Maven property
 * {@code porter.hostingModel} ({@code InProcess} or {@code OutOfProcess}, any case; {@code InProcess} when absent),
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
        String content = render(hostingModel(hostingModel), arguments(directory, jar));
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
            return "inprocess";
        }
        String value = property.trim().toLowerCase(Locale.ROOT);
        if (value.equals("inprocess") || value.equals("outofprocess")) {
            return value;
        }
        throw new IllegalArgumentException("porter.hostingModel is '" + property + "'; allowed values are " + ALLOWED
                + " (any case; InProcess when the property is absent)");
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
