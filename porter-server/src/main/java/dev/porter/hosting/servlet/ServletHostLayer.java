package dev.porter.hosting.servlet;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds Porter's Servlet host and loads it in a class-loader layer of its own, on the first Servlet application:
 * the front server and JDK-API apps never load a Jetty class.
 *
 * <p>Where the host is: the folder named by the system property {@value #HOME_PROPERTY}, else {@code servlet-host/}
 * next to the jar Porter runs from (the build puts {@code porter-servlet-host.jar} and Jetty's jars there);
 * {@code classpath} means Porter's own class path. The layer
 * is a {@link URLClassLoader} over that folder's jars whose parent is Porter's own loader (the host talks to Netty and
 * {@code Exchange} directly, with no cross-loader bridge on the request path). When there is no such folder the host
 * is looked up on Porter's own class path (tests, and an all-in-one class path).
 *
 * <p>Threading: {@link #provider()} is safe from any thread; the layer is created once.
 */
public final class ServletHostLayer {

    /** A folder with {@code porter-servlet-host.jar} and its dependencies. */
    public static final String HOME_PROPERTY = "porter.servlet.host";

    /** {@value #HOME_PROPERTY}{@code =classpath}: no layer, the host is on Porter's class path (the host's tests). */
    public static final String CLASS_PATH = "classpath";

    private static volatile Result loaded;

    private ServletHostLayer() {
    }

    /** The result of looking for the host: a provider, or why there is none. */
    public record Result(ServletHostProvider provider, String problem) {
    }

    public static Result provider() {
        Result r = loaded;
        if (r == null) {
            synchronized (ServletHostLayer.class) {
                r = loaded;
                if (r == null) {
                    r = load();
                    loaded = r;
                }
            }
        }
        return r;
    }

    private static Result load() {
        Path home = home();
        ClassLoader porter = ServletHostLayer.class.getClassLoader();
        ClassLoader layer = porter;
        if (home != null) {
            try {
                layer = new URLClassLoader("porter-servlet-host", jars(home), porter);
            } catch (IOException e) {
                return new Result(null, "Porter's Servlet host at '" + home + "' cannot be read: " + e.getMessage());
            }
        }
        try {
            Iterator<ServletHostProvider> it = ServiceLoader.load(ServletHostProvider.class, layer).iterator();
            if (it.hasNext()) {
                return new Result(it.next(), null);
            }
        } catch (java.util.ServiceConfigurationError | LinkageError e) {
            return new Result(null, "Porter's Servlet host could not be loaded: " + e);
        }
        return new Result(null, "Porter's Servlet host is not installed: no porter-servlet-host.jar in "
                + (home != null ? "'" + home + "'" : "'servlet-host/' next to Porter's jar, nor on its class path")
                + " (set -D" + HOME_PROPERTY + "=<folder> to name it). WARs and Spring Boot jars need it in-process; "
                + "hostingModel=\"outofprocess\" runs them without it.");
    }

    static Path home() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (CLASS_PATH.equals(configured)) {
            return null;
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            var source = ServletHostLayer.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path location = Path.of(source.getLocation().toURI());
            if (Files.isRegularFile(location)) {
                Path dir = location.getParent().resolve("servlet-host");
                return Files.isDirectory(dir) ? dir : null;
            }
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static URL[] jars(Path home) throws IOException {
        List<URL> urls = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(home, "*.jar")) {
            for (Path p : s) {
                urls.add(toUrl(p));
            }
        }
        urls.sort((a, b) -> a.toString().compareTo(b.toString()));
        return urls.toArray(URL[]::new);
    }

    private static URL toUrl(Path p) throws MalformedURLException {
        return p.toUri().toURL();
    }
}
