package dev.porter.servlet.spi;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an app asks of its servlet context (Spring Boot's {@code server.servlet.*} settings, translated by the starter).
 *
 * @param contextPath appended to the application's virtual path: {@code ""} or {@code /api}
 * @param displayName the context's display name, or null
 * @param initParameters context init parameters
 * @param errorPages where errors go: {@link ErrorPageSpec#status()} 0 and no exception is the global page
 * @param mimeMappings extension to MIME type
 * @param sessionTimeoutSeconds the session timeout; negative: the container's default
 * @param registerDefaultServlet whether the container's default (static) servlet is registered
 * @param webListenerClassNames listeners to add by class name
 */
public record WebAppSpec(String contextPath, String displayName, Map<String, String> initParameters,
        List<ErrorPageSpec> errorPages, Map<String, String> mimeMappings, int sessionTimeoutSeconds,
        boolean registerDefaultServlet, Set<String> webListenerClassNames) {

    /** One error page: a status, an exception class name, or neither (global). */
    public record ErrorPageSpec(int status, String exceptionClassName, String location) {
    }
}
