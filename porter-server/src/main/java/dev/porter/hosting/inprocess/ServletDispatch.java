package dev.porter.hosting.inprocess;

import dev.porter.config.AppPaths;
import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.servlet.ServletAppShape;
import dev.porter.hosting.servlet.ServletHostLayer;
import dev.porter.server.Exchange;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Picks the Servlet host for the in-process app shapes it serves — {@code arguments="-war <path>"}, and a Spring Boot
 * executable jar ({@code -jar app.jar} that {@link SpringBootJar} recognises from its manifest) — before
 * {@link InProcessApplication} would treat the command line as a plain {@code main}. Reads only web.config's
 * arguments (and a jar's manifest): no Servlet class is loaded here.
 */
final class ServletDispatch {

    private ServletDispatch() {
    }

    /** The Servlet host's handler for this app, or null when the app is not a Servlet shape. */
    static ApplicationHandler handlerFor(ApplicationContext context) {
        ServletAppShape shape;
        try {
            shape = shape(context.webConfig().aspNetCore().processPath(), context.webConfig().aspNetCore()
                    .arguments(), context.launchDirectory());
        } catch (IllegalArgumentException e) {
            return answering(context, e.getMessage());
        }
        if (shape == null) {
            return null;
        }
        ServletHostLayer.Result host = ServletHostLayer.provider();
        if (host.provider() == null) {
            if (shape.kind() == ServletAppShape.Kind.SPRING_BOOT_JAR) {
                // Without the host a Boot jar cannot run in-process at all: InProcessApplication names the jar and
                // points to hostingModel="outofprocess" in one sentence (SpringBootJar), which is the useful answer.
                return null;
            }
            return answering(context, host.problem());
        }
        return host.provider().create(context, shape);
    }

    /**
     * The Servlet shape a java command line names, or null. {@code -war} must be followed by a path
     * (IllegalArgumentException otherwise).
     */
    static ServletAppShape shape(String processPath, String arguments, Path appDirectory) {
        String exe = processPath.replace('\\', '/').trim();
        String name = exe.substring(exe.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (!name.equals("java") && !name.equals("java.exe")) {
            return null;
        }
        List<String> tokens = JavaCommandLine.tokenize(arguments);
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("-war")) {
                if (i + 1 >= tokens.size()) {
                    throw new IllegalArgumentException("'-war' must be followed by the web application: a .war file "
                            + "or a folder holding WEB-INF/ (for example arguments=\"-war app.war\").");
                }
                String written = tokens.get(i + 1);
                return new ServletAppShape(ServletAppShape.Kind.WAR, AppPaths.resolve(appDirectory, written),
                        written, properties);
            } else if (t.equals("-jar")) {
                if (i + 1 >= tokens.size()) {
                    return null;
                }
                String written = tokens.get(i + 1);
                Path jar = AppPaths.resolve(appDirectory, written);
                return SpringBootJar.read(jar).isPresent()
                        ? new ServletAppShape(ServletAppShape.Kind.SPRING_BOOT_JAR, jar, written, properties) : null;
            } else if (t.startsWith("-D")) {
                int eq = t.indexOf('=');
                properties.put(eq < 0 ? t.substring(2) : t.substring(2, eq), eq < 0 ? "" : t.substring(eq + 1));
            } else if (!t.startsWith("-")) {
                return null; // -cp ... Main: a plain main class
            }
        }
        return null;
    }

    private static ApplicationHandler answering(ApplicationContext context, String why) {
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                ErrorResponses.send(exchange, context, AncmError.IN_PROCESS_HOSTING_FAILURE, why, null);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
