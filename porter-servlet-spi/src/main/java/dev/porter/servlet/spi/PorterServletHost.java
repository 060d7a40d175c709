package dev.porter.servlet.spi;

import jakarta.servlet.ServletContainerInitializer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Porter's Servlet host as an in-process application sees it. In-process, this class is the host's own copy (the
 * app's class loader delegates {@code dev.porter.servlet.spi} to the host), and {@link #current()} finds the host that
 * serves the calling app; out-of-process or standalone the class is the app's own copy, nothing registered a host,
 * and {@link #current()} is null — no system property or environment guessing.
 *
 * <p>Threading: {@link #current()} from any thread whose context class loader is the app's (Spring Boot's main thread
 * is); {@link #deploy} once per application incarnation.
 */
public abstract class PorterServletHost {

    /** Raised only by compatible changes (new default methods, new optional fields). */
    public static final int SPI_VERSION = 1;

    private static final Map<ClassLoader, PorterServletHost> HOSTS = new ConcurrentHashMap<>();

    /** The host serving the calling application in-process, or null. */
    public static PorterServletHost current() {
        for (ClassLoader l = Thread.currentThread().getContextClassLoader(); l != null; l = l.getParent()) {
            PorterServletHost host = HOSTS.get(l);
            if (host != null) {
                return host;
            }
        }
        return null;
    }

    /** The host says which application loader it serves (before the app's {@code main} runs). */
    protected static void register(ClassLoader applicationLoader, PorterServletHost host) {
        HOSTS.put(applicationLoader, host);
    }

    protected static void unregister(ClassLoader applicationLoader) {
        HOSTS.remove(applicationLoader);
    }

    /**
     * Creates the app's servlet context in Porter and starts it: {@code initializer} runs inside this call, in the
     * context's dynamic-registration window (where Spring Boot registers its DispatcherServlet and filters). Requests
     * flow once {@link HostedWebApp#start()} is called.
     */
    public abstract HostedWebApp deploy(WebAppSpec spec, ServletContainerInitializer initializer) throws Exception;

    /**
     * The app's own environment variables: web.config's {@code environmentVariables} (and the
     * {@code ASPNETCORE_IIS_*} ones). The starter adds these to the app's configuration ahead of the system
     * environment (in-process, {@code System.getenv} is the app domain's and shows them too).
     */
    public java.util.Map<String, String> environment() {
        return java.util.Map.of();
    }

    /** Settings the app made that have no meaning in-process (port, SSL...): the host names them once in its log. */
    public void ignoredSettings(String settings) {
    }
}
