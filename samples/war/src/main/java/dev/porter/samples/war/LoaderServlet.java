package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.ref.WeakReference;

/**
 * {@code GET /loader}: publishes a weak reference to this app's class loader under the JVM-wide system property key
 * {@code porter.sample.loader} (in the JVM's own properties, not the app's) (a test's way to see that a stopped app's loader is collected) and answers its
 * identity.
 */
@WebServlet("/loader")
public final class LoaderServlet extends HttpServlet {

    /**
     * The JVM's own system properties. In Porter in-process a call to {@code System.getProperties()} in the app's code
     * reaches the app's own properties; a reflective call is not redirected and reaches the JVM's, which the test reads.
     */
    static java.util.Properties jvmProperties() {
        try {
            return (java.util.Properties) System.class.getMethod("getProperties").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ClassLoader loader = LoaderServlet.class.getClassLoader();
        jvmProperties().put("porter.sample.loader", new WeakReference<>(loader));
        response.setContentType("text/plain");
        response.getWriter().write(Integer.toHexString(System.identityHashCode(loader)));
    }
}
