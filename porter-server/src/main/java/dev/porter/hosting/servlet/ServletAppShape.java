package dev.porter.hosting.servlet;

import java.nio.file.Path;
import java.util.Map;

/**
 * What web.config asks the Servlet host to run in-process, as the front server read it from {@code arguments}
 * without loading any Servlet class: a WAR ({@code -war <path>}, a {@code .war} file or a folder with {@code WEB-INF/})
 * or a Spring Boot executable jar ({@code -jar app.jar} whose manifest names Boot's launcher).
 *
 * @param kind which shape
 * @param path the WAR file or folder, or the Boot jar, resolved against the application directory (it may not exist:
 *             the host says so on the first request)
 * @param written the path as web.config wrote it (for messages)
 * @param systemProperties the {@code -Dk=v} options before the shape's own option, in order
 */
public record ServletAppShape(Kind kind, Path path, String written, Map<String, String> systemProperties) {

    /** The app shapes the Servlet host serves. */
    public enum Kind {
        WAR,
        SPRING_BOOT_JAR
    }

    public ServletAppShape {
        systemProperties = Map.copyOf(systemProperties);
    }
}
