package dev.porter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes an application's {@code web.config} as a user writes it for ANCM: {@code system.webServer/aspNetCore} with
 * its attributes (in the map's order), {@code environmentVariables} and {@code handlerSettings}, and optionally
 * {@code security/requestFiltering/requestLimits}. Values are XML-escaped. The one generator the test modules share;
 * a test that is about the XML itself (a malformed file, a comment, odd casing) writes its text with
 * {@link #write(Path, String)}.
 */
public final class WebConfigFile {

    private WebConfigFile() {
    }

    /** Writes {@code dir/web.config} with these {@code <aspNetCore>} attributes and environment variables. */
    public static Path write(Path dir, Map<String, String> aspNetCoreAttributes,
            Map<String, String> environmentVariables) {
        return write(dir, aspNetCoreAttributes, environmentVariables, Map.of(), null);
    }

    /**
     * Writes {@code dir/web.config} with these {@code <aspNetCore>} attributes, environment variables and handler
     * settings, and, when {@code requestLimitsAttributes} is not null, a {@code <requestLimits>} element with those
     * attributes as written (for example {@code maxAllowedContentLength="10"}).
     */
    public static Path write(Path dir, Map<String, String> aspNetCoreAttributes,
            Map<String, String> environmentVariables, Map<String, String> handlerSettings,
            String requestLimitsAttributes) {
        String attributes = aspNetCoreAttributes.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + xml(e.getValue()) + "\"")
                .collect(Collectors.joining(" "));
        String env = environmentVariables.entrySet().stream()
                .map(e -> "          <environmentVariable name=\"" + xml(e.getKey()) + "\" value=\""
                        + xml(e.getValue()) + "\" />\n")
                .collect(Collectors.joining());
        String settings = handlerSettings.entrySet().stream()
                .map(e -> "          <handlerSetting name=\"" + xml(e.getKey()) + "\" value=\"" + xml(e.getValue())
                        + "\" />\n")
                .collect(Collectors.joining());
        String text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <system.webServer>\n"
                + (requestLimitsAttributes == null ? "" : "    <security><requestFiltering><requestLimits "
                        + requestLimitsAttributes + " /></requestFiltering></security>\n")
                + "    <aspNetCore " + attributes + ">\n"
                + (env.isEmpty() ? "" : "        <environmentVariables>\n" + env + "        </environmentVariables>\n")
                + (settings.isEmpty() ? "" : "        <handlerSettings>\n" + settings + "        </handlerSettings>\n")
                + "    </aspNetCore>\n  </system.webServer>\n</configuration>\n";
        return write(dir.resolve("web.config"), text);
    }

    /** Writes the file (UTF-8), creating its directory. */
    public static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
