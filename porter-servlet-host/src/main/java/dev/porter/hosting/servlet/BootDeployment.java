package dev.porter.hosting.servlet;

import dev.porter.hosting.inprocess.ServletAppDomain;
import dev.porter.servlet.spi.HostedWebApp;
import dev.porter.servlet.spi.PorterServletHost;
import dev.porter.servlet.spi.WebAppSpec;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.eclipse.jetty.ee11.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/**
 * A Spring Boot executable jar in-process: Porter reads the jar ({@link BootJar}), runs {@code Start-Class}'s
 * {@code main} on a thread of its own whose context class loader is the app's — its {@link ServletAppDomain}'s loader
 * over the shadow copy (parent: the platform loader; {@link #fromHost} classes from the host's layer; the app's classes
 * rewritten so {@code System.exit}, {@code System.getenv}, system properties and shutdown hooks are its own) — and is the
 * app's {@link PorterServletHost}: the starter's web server factory calls {@link #deploy}, which builds the app's
 * Jetty {@link Server} with a {@link ServletContextHandler} and runs Boot's initializers in it (DispatcherServlet,
 * filters, {@code /error}); {@link HostedWebApp#start()} then tells the application it serves.
 *
 * <p>A Boot jar without the starter is refused before any of its code runs (500.30, one sentence); {@code main}
 * throwing, or returning without a web server, is 500.30 with what it threw.
 *
 * <p>Threading: {@link #launch} on the application's start thread; {@link #deploy} on the app's main thread.
 */
final class BootDeployment extends PorterServletHost {

    private final ServletApplication application;
    private final ServletHost host;
    private final String virtualPath;
    private final java.net.URLClassLoader loader;
    private final java.nio.file.Path jarPath;
    private volatile boolean deployed;
    private final java.util.Map<String, String> environment;

    private BootDeployment(ServletApplication application, ServletHost host, String virtualPath,
            java.net.URLClassLoader loader, java.nio.file.Path jarPath, java.util.Map<String, String> environment) {
        this.environment = java.util.Map.copyOf(environment);
        this.application = application;
        this.host = host;
        this.virtualPath = virtualPath;
        this.loader = loader;
        this.jarPath = jarPath;
    }

    /** Reads the jar, then starts {@code main}; returns the main thread (the application reports from it). */
    static Thread launch(ServletApplication application, ServletAppShape shape, ServletHost host,
            String virtualPath, java.util.Map<String, String> environment, ServletAppDomain domain)
            throws DeploymentException {
        BootJar jar = BootJar.open(shape.path());
        if (!jar.hasStarter()) {
            throw DeploymentException.failed("'" + shape.path() + "' is a Spring Boot jar without Porter's starter: "
                    + "add the dependency dev.porter:porter-spring-boot (Spring Boot 3: dev.porter:porter-spring-boot3)"
                    + " to run it in-process, or use hostingModel=\"outofprocess\".");
        }
        java.net.URLClassLoader loader;
        try {
            loader = domain.newClassLoader(jar.classPath(), BootDeployment.class.getClassLoader(),
                    name -> fromHost(name) || hidden(name));
        } catch (java.io.IOException e) {
            throw DeploymentException.failed("Cannot open the class path of the Spring Boot application '"
                    + shape.path() + "' (its shadow copy " + jar.classPath().getFirst().getParent() + "): " + e);
        }
        domain.classPath(jar.classPath());
        domain.install(loader);
        BootDeployment deployment = new BootDeployment(application, host, virtualPath, loader, shape.path(),
                environment);
        register(loader, deployment);
        Thread main = Thread.ofPlatform().name("porter-boot-main").unstarted(() -> deployment.runMain(jar));
        main.setContextClassLoader(loader);
        main.start();
        return main;
    }

    private void runMain(BootJar jar) {
        try {
            Class<?> start = Class.forName(jar.startClass(), true, loader);
            Method main = start.getMethod("main", String[].class);
            if (!Modifier.isStatic(main.getModifiers())) {
                throw new NoSuchMethodException(jar.startClass() + ".main(String[]) is not static");
            }
            // Porter closes the app's context when it stops the app. (Shutdown hooks Boot registers anyway — its
            // logging system's — are the app domain's: run when the app stops, then dropped.)
            main.invoke(null, (Object) new String[] {"--spring.main.register-shutdown-hook=false"});
            if (!deployed) {
                failedToStart(DeploymentException.failed("The Spring Boot application '" + jarPath
                        + "' returned from main without starting a web server (is it a servlet web application with "
                        + "spring-boot-starter-web?)."));
            }
        } catch (InvocationTargetException e) {
            failedToStart(DeploymentException.failed("The Spring Boot application '" + jarPath + "' failed to "
                    + "start: " + stackTrace(e.getCause())));
        } catch (ReflectiveOperationException | LinkageError e) {
            failedToStart(DeploymentException.failed("Cannot run Start-Class of '" + jarPath + "': " + e));
        }
    }

    private void failedToStart(DeploymentException e) {
        application.failed(e);
        unregister();
        try {
            loader.close();
        } catch (java.io.IOException ignored) {
            // nothing more to free
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /**
     * The classes a Boot app takes from the Servlet host's layer rather than from its own jars:
     * {@code jakarta.servlet.*}, {@code jakarta.websocket.*} and Porter's Servlet SPI, so the servlets and WebSocket
     * endpoints Boot registers and the host that runs them agree on one API (the app's own copies, e.g. inside
     * {@code tomcat-embed-core} and {@code tomcat-embed-websocket}, are shadowed).
     */
    static boolean fromHost(String name) {
        return name.startsWith("jakarta.servlet.") || name.startsWith("jakarta.websocket.")
                || name.startsWith("dev.porter.servlet.spi.");
    }

    /**
     * Classes of the app's jars it must not see in-process: Tomcat's WebSocket upgrade handler. Spring Framework 6
     * (Boot 3) picks its WebSocket upgrade strategy by what is on the class path, Tomcat's first, which casts the
     * servlet context's {@code ServerContainer} to Tomcat's own; in-process the container is Jetty's, so with this
     * class out of sight Spring uses the standard Jakarta WebSocket 2.1 upgrade, as it does on Boot 4. The app's
     * Tomcat is never its server in-process, and nothing else of Tomcat's needs this class. (The host layer has no
     * Tomcat: asked there, the class is not found.)
     */
    static boolean hidden(String name) {
        return name.equals("org.apache.tomcat.websocket.server.WsHttpUpgradeHandler");
    }

    void unregister() {
        unregister(loader);
    }

    ClassLoader loader() {
        return loader;
    }

    @Override
    public java.util.Map<String, String> environment() {
        return environment;
    }

    @Override
    public void ignoredSettings(String settings) {
        if (settings != null && !settings.isBlank()) {
            ServletEvents.info("Application '{}': {} have no meaning in-process (Porter's front server listens, "
                    + "terminates TLS and compresses) and are ignored", application.name(), settings);
        }
    }

    @Override
    public HostedWebApp deploy(WebAppSpec spec, ServletContainerInitializer initializer) throws Exception {
        Server server = host.newServer();
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setSessionHandler(new LazySessionHandler());
        String contextPath = join(virtualPath, spec.contextPath());
        context.setContextPath(contextPath);
        context.setClassLoader(loader);
        if (spec.displayName() != null) {
            context.setDisplayName(spec.displayName());
        }
        spec.initParameters().forEach(context::setInitParameter);
        spec.mimeMappings().forEach((ext, type) -> context.getMimeTypes().addMimeMapping(ext, type));
        if (spec.sessionTimeoutSeconds() >= 0) {
            context.getSessionHandler().setMaxInactiveInterval(spec.sessionTimeoutSeconds());
        }
        ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
        errors.setCacheControl(null); // as Boot's Tomcat: an error answer carries no Cache-Control of the container's
        for (WebAppSpec.ErrorPageSpec page : spec.errorPages()) {
            if (page.exceptionClassName() != null) {
                errors.addErrorPage(page.exceptionClassName(), page.location());
            } else if (page.status() > 0) {
                errors.addErrorPage(page.status(), page.location());
            } else {
                errors.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, page.location());
            }
        }
        context.setErrorHandler(errors);
        context.addServletContainerInitializer(initializer);
        BootWebSocket.configureIfShipped(context, loader);
        WebSocketFilterShortcut.install(context);
        PorterIdentity.install(context);
        ErrorAnswerHeaders.install(context);
        server.setHandler(context);
        server.start();
        if (!context.isAvailable()) {
            server.stop();
            throw new IllegalStateException("the servlet context did not start (see the server log)");
        }
        deployed = true;
        return new Hosted(server, context, contextPath);
    }

    /** {@code /app} + {@code /api} = {@code /app/api}; the root is {@code /}. */
    static String join(String virtualPath, String contextPath) {
        String base = virtualPath.equals("/") ? "" : virtualPath;
        String tail = contextPath == null || contextPath.equals("/") ? "" : contextPath;
        String joined = base + tail;
        return joined.isEmpty() ? "/" : joined;
    }

    private final class Hosted implements HostedWebApp {

        private final Server server;
        private final ServletContextHandler context;
        private final String contextPath;
        private volatile AutoCloseable application;

        Hosted(Server server, ServletContextHandler context, String contextPath) {
            this.server = server;
            this.context = context;
            this.contextPath = contextPath;
        }

        @Override
        public ServletContext servletContext() {
            return context.getServletContext();
        }

        @Override
        public void start() {
            BootDeployment.this.application.serving(server, contextPath, loader, () -> {
                try {
                    AutoCloseable app = application;
                    if (app != null) {
                        app.close();
                    }
                } finally {
                    unregister(); // a context that fails to close must not keep the app's loader registered
                }
            }, "Spring Boot application " + jarPath);
        }

        @Override
        public void stop() {
            BootDeployment.this.application.stoppedByApp(server);
            try {
                server.stop();
            } catch (Exception e) {
                ServletEvents.warn("Application '{}': stopping its Servlet container failed: {}",
                        BootDeployment.this.application.name(), e.toString());
            }
        }

        @Override
        public void closeWith(AutoCloseable app) {
            this.application = app;
        }
    }
}
