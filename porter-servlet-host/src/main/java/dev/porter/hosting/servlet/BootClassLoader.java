package dev.porter.hosting.servlet;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * The class loader of a Spring Boot app in-process: the app's {@code BOOT-INF/classes} and {@code BOOT-INF/lib} jars
 * (from the shadow copy), parent the platform loader so the app never sees Porter's or Jetty's classes — except
 * {@code jakarta.servlet.*}, {@code jakarta.websocket.*} and {@code dev.porter.servlet.spi.*}, which come from the
 * Servlet host's layer, so the servlets and WebSocket endpoints Boot registers and the host that runs them agree on
 * one API (the app's own copies, e.g. inside {@code tomcat-embed-core} and {@code tomcat-embed-websocket}, are
 * shadowed).
 *
 * <p>Threading: a parallel-capable class loader.
 */
final class BootClassLoader extends URLClassLoader {

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader host;

    BootClassLoader(String name, URL[] urls, ClassLoader host) {
        super(name, urls, ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    static boolean fromHost(String name) {
        return name.startsWith("jakarta.servlet.") || name.startsWith("jakarta.websocket.")
                || name.startsWith("dev.porter.servlet.spi.");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (fromHost(name)) {
            return host.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }
}
