package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.ref.WeakReference;

/**
 * {@code GET /loader}: publishes a weak reference to this app's class loader under the JVM-wide system property key
 * {@code porter.sample.loader} (a test's way to see that a stopped app's loader is collected) and answers its
 * identity.
 */
@WebServlet("/loader")
public final class LoaderServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ClassLoader loader = LoaderServlet.class.getClassLoader();
        System.getProperties().put("porter.sample.loader", new WeakReference<>(loader));
        response.setContentType("text/plain");
        response.getWriter().write(Integer.toHexString(System.identityHashCode(loader)));
    }
}
