package dev.porter.hosting.servlet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import dev.porter.hosting.inprocess.ServletAppDomain;
import org.eclipse.jetty.ee11.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.util.ClassMatcher;

/**
 * A standard web application ({@code arguments="-war <path>"}): a {@code .war} file or an exploded folder holding
 * {@code WEB-INF/}, deployed as a Jetty ee11 {@link WebAppContext} — {@code web.xml} and {@code web-fragment.xml},
 * annotations ({@code @WebServlet}, {@code @WebFilter}, {@code @WebListener}, {@code @MultipartConfig}),
 * {@code ServletContainerInitializer}s with {@code @HandlesTypes}, welcome files, error pages, static files.
 *
 * <p>Class loading: Jetty's {@code WebAppClassLoader}, child-first for the app's {@code WEB-INF/classes} and
 * {@code WEB-INF/lib}, its parent the Servlet host's layer (which gives the app {@code jakarta.servlet} 6.1); Porter's
 * and Netty's classes are hidden from the app as Jetty's own are ({@link WarClassLoader}: the app's classes are
 * rewritten for its {@link ServletAppDomain}). One loader per incarnation, closed when it stops.
 *
 * <p>Threading: used on the application's start thread only.
 */
final class WarDeployment {

    private WarDeployment() {
    }

    /** Checks that the path can be a web application before Jetty sees it; the message names what is wrong. */
    static void check(ServletAppShape shape) throws DeploymentException {
        Path path = shape.path();
        if (!Files.exists(path)) {
            throw DeploymentException.badInput("The web application '" + shape.written() + "' was not found at '"
                    + path + "'.");
        }
        if (Files.isDirectory(path)) {
            if (!Files.isDirectory(path.resolve("WEB-INF"))) {
                throw DeploymentException.badInput("'" + path + "' is a folder without WEB-INF/: an exploded web "
                        + "application holds WEB-INF/ (web.xml, classes/, lib/). Point -war at the folder that "
                        + "contains WEB-INF/, or at a .war file.");
            }
            return;
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            boolean webInf = false;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements() && !webInf; ) {
                webInf = e.nextElement().getName().startsWith("WEB-INF/");
            }
            if (!webInf) {
                throw DeploymentException.badInput("'" + path + "' is a zip file without WEB-INF/: not a web "
                        + "application (a WAR holds WEB-INF/web.xml, WEB-INF/classes/ or WEB-INF/lib/).");
            }
        } catch (ZipException e) {
            throw DeploymentException.badInput("'" + path + "' is not a WAR: it cannot be read as a zip file ("
                    + e.getMessage() + ").");
        } catch (IOException e) {
            throw DeploymentException.badInput("The web application '" + path + "' cannot be read: " + e);
        }
    }

    /**
     * The context for the application's virtual path ({@code /} or {@code /app1}). Jetty extracts a {@code .war}
     * into a temp folder of its own, deleted when the context stops.
     */
    static WebAppContext context(ServletAppShape shape, String virtualPath) {
        return context(shape, virtualPath, null);
    }

    /**
     * As {@link #context(ServletAppShape, String)}, in-process: the app's classes are loaded by a {@link WarClassLoader}
     * for its {@code domain}, whose runtime is installed before any of them runs.
     */
    static WebAppContext context(ServletAppShape shape, String virtualPath, ServletAppDomain domain) {
        WebAppContext context = new WebAppContext();
        context.setSessionHandler(new LazySessionHandler());
        context.setContextPath(virtualPath);
        context.setWar(shape.path().toString());
        context.setDisplayName(shape.path().getFileName().toString());
        context.addConfiguration(new AnnotationConfiguration());
        context.setThrowUnavailableOnStartupException(true);
        PorterIdentity.install(context);
        WebSocketFilterShortcut.install(context);
        context.setLogUrlOnStart(false);
        // Porter's own classes and its logging stay out of the app's sight. Logback's ServletContainerInitializer, seen
        // through the parent loader, would stop Porter's LoggerContext (the whole server's log) when the app stops.
        context.addHiddenClassMatcher(new ClassMatcher("dev.porter.", "io.netty.", "ch.qos.logback.", "org.slf4j."));
        if (domain == null) {
            return context; // out-of-process (the WAR runner): the app has its JVM to itself
        }
        WarClassLoader loader = new WarClassLoader(WarDeployment.class.getClassLoader(), context, domain);
        domain.classPath(java.util.List.of(shape.path()));
        domain.install(loader);
        context.setClassLoader(loader);
        return context;
    }
}
