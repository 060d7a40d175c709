package dev.porter.hosting.inprocess;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ancm.AncmEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.classfile.ClassHierarchyResolver;
import java.net.SocketAddress;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * The app domain of a Servlet application (a WAR or a Spring Boot jar in Porter's Servlet host): the seam through
 * which the host, in a class-loader layer of its own, gives its apps what every in-process app has. The host makes the
 * app's class loader — Jetty's {@code WebAppClassLoader} for a WAR (with {@link #rewrite} as its transformer and
 * {@link #runtimeClassBytes} for the runtime class), {@link #newClassLoader} for a Spring Boot jar — and calls
 * {@link #install} before any class of the app runs. From then on {@link AppBytecode} has redirected the app's calls to
 * {@code System.getenv} (web.config's {@code environmentVariables} over the server's), {@code System.exit} /
 * {@code Runtime.exit/halt} (this app stops, reported to the {@link ExitListener}), system properties (the server's,
 * then {@code user.dir} and the {@code -D} options), {@code System.out/err} (the app's stdout log and capture) and
 * shutdown hooks (run by {@link #runShutdownHooks} when the app stops) to this domain's own {@link DomainRuntime}, as
 * for a JDK {@code HttpServer} app. Only the app's classes are rewritten: Jetty's and Porter's are not.
 *
 * <p>Threading: {@link #open} and {@link #install} on the app's start thread; {@link #rewrite} on any class-loading
 * thread; the listener is called on the app's thread that called {@code System.exit}; {@link #close} once, when the
 * app is retired.
 */
public final class ServletAppDomain {

    private static final AtomicInteger IDS = new AtomicInteger();

    /** Told when the app calls {@code System.exit} (or {@code Runtime.exit/halt}), on the thread that called it. */
    public interface ExitListener {
        /**
         * Called instead of the JVM's exit.
         *
         * @param status the exit status the app gave
         * @param caller the app's frame that called it, as a stack trace prints it
         */
        void exitCalled(int status, String caller);
    }

    private final String name;
    private final Map<String, String> environment;
    private final Properties properties;
    private final AppOutput output;
    private final ExitListener listener;
    private final String loaderName;
    /** Listening sockets and connections the app opened, weakly (a closed one is forgotten when collected). */
    private final java.util.Set<AutoCloseable> sockets =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    private volatile ClassLoader loader;

    private ServletAppDomain(String name, Map<String, String> environment, Properties properties, AppOutput output,
            ExitListener listener) {
        this.name = name;
        this.environment = Map.copyOf(environment);
        this.properties = properties;
        this.output = output;
        this.listener = listener;
        this.loaderName = "porter-app-servlet-" + IDS.incrementAndGet() + ":" + name;
    }

    /**
     * Opens the domain of one incarnation: its environment (as a JDK app's: the server's, overlaid with web.config's
     * {@code environmentVariables}, then {@code ASPNETCORE_IIS_PHYSICAL_PATH} and {@code ASPNETCORE_IIS_HTTPAUTH}),
     * its system properties (the server's, {@code user.dir} the app's directory, then the {@code -D} options; the host
     * sets {@code java.class.path}) and its stdout (the stdout log when {@code stdoutLogEnabled}; a log that cannot be
     * opened is event 1026 and the app runs without it).
     *
     * @param systemProperties the {@code -Dk=v} options of web.config's arguments
     */
    public static ServletAppDomain open(ApplicationContext context, Map<String, String> systemProperties,
            ExitListener listener) {
        String name = context.configPath();
        AppOutput output = AppOutput.forApp(context);
        Map<String, String> env = AncmEnvironment.inProcess(context);
        Properties p = new Properties();
        p.putAll(System.getProperties());
        p.setProperty("user.dir", InProcessApplication.workingDirectory(context).toString());
        systemProperties.forEach(p::setProperty);
        return new ServletAppDomain(name, env, p, output, listener);
    }

    /** The environment {@code System.getenv} shows the app. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The app's system properties (the {@code -D} options among them). */
    public Properties properties() {
        return properties;
    }

    /** Sets {@code java.class.path} as the app sees it. */
    public void classPath(List<Path> classPath) {
        properties.setProperty("java.class.path", classPath.stream().map(Path::toString)
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
    }

    /**
     * A class file of the app rewritten for this domain, or the same array when it needs nothing (or cannot be
     * rewritten: a class whose stack maps need a class the app does not ship is defined as it is, and logged).
     *
     * @param classes where the types the class refers to are found (the app's loader)
     */
    public byte[] rewrite(String className, byte[] bytes, ClassLoader classes) {
        ClassHierarchyResolver resolver = ClassHierarchyResolver.ofResourceParsing(descriptor -> {
            String path = descriptor.descriptorString();
            return classes.getResourceAsStream(path.substring(1, path.length() - 1) + ".class");
        }).orElse(ClassHierarchyResolver.defaultResolver());
        try {
            return AppBytecode.rewrite(bytes, resolver);
        } catch (RuntimeException e) {
            InProcessEvents.warn("In-process app '{}': class {} kept unchanged (its System.getenv/exit/out calls are "
                    + "not isolated): {}", name, className, e.toString());
            return bytes;
        }
    }

    /** Whether {@code className} is the domain's runtime class, which the app's loader defines from Porter's bytes. */
    public static boolean isRuntimeClass(String className) {
        return className.equals(AppBytecode.RUNTIME_CLASS) || className.startsWith(AppBytecode.RUNTIME_CLASS + "$");
    }

    /** The bytes of the runtime class (or one of its nested classes), for the app's loader to define. */
    public static byte[] runtimeClassBytes(String className) throws ClassNotFoundException {
        String path = className.replace('.', '/').concat(".class");
        try (InputStream in = ServletAppDomain.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null || !isRuntimeClass(className)) {
                throw new ClassNotFoundException(className);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ClassNotFoundException(className, e);
        }
    }

    /**
     * A class loader over {@code classPath} (parent: the platform loader) whose classes are rewritten for this
     * domain; the classes {@code fromHost} accepts come from {@code host} instead. Closing it releases the jars.
     */
    public URLClassLoader newClassLoader(List<Path> classPath, ClassLoader host, Predicate<String> fromHost)
            throws IOException {
        AppClassLoader l = new AppClassLoader(loaderName, classPath, null, name, host, fromHost);
        AppDomain.track(l);
        return l;
    }

    /** The name for the app's class loader: {@code porter-app-servlet-<n>:<application>}. */
    public String loaderName() {
        return loaderName;
    }

    /**
     * Defines the domain's runtime in {@code appLoader} and fills it in: call once, before any class of the app runs.
     *
     * @throws IllegalStateException when the runtime cannot be installed (the loader does not define it)
     */
    public void install(ClassLoader appLoader) {
        try {
            Class<?> runtime = appLoader.loadClass(AppBytecode.RUNTIME_CLASS);
            if (runtime.getClassLoader() != appLoader) {
                throw new IllegalStateException("the app's class loader " + appLoader + " does not define "
                        + AppBytecode.RUNTIME_CLASS + " itself (it came from " + runtime.getClassLoader() + ")");
            }
            IntConsumer onExit = status -> listener.exitCalled(status, AppDomain.exitCaller());
            runtime.getMethod("install", Map.class, Properties.class, PrintStream.class, PrintStream.class,
                    IntConsumer.class).invoke(null, environment, properties, output.out(), output.err(), onExit);
            java.util.function.BiConsumer<AutoCloseable, SocketAddress> onListen = (socket, address) ->
                    sockets.add(socket);
            runtime.getMethod("installListenerHook", java.util.function.BiConsumer.class).invoke(null, onListen);
            java.util.function.Consumer<AutoCloseable> onConnect = sockets::add;
            runtime.getMethod("installConnectionHook", java.util.function.Consumer.class).invoke(null, onConnect);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot install the app domain runtime of '" + name + "': " + e, e);
        }
        loader = appLoader;
    }

    /**
     * Runs the shutdown hooks the app registered ({@code Runtime.addShutdownHook}) and waits for them up to the
     * deadline ({@code System.nanoTime()}). Returns whether all ended in time.
     */
    public boolean runShutdownHooks(long deadlineNanos) {
        ClassLoader l = loader;
        if (l == null) {
            return true;
        }
        try {
            Class<?> runtime = l.loadClass(AppBytecode.RUNTIME_CLASS);
            long leftMillis = Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L);
            return (Boolean) runtime.getMethod("runShutdownHooks", long.class).invoke(null, leftMillis);
        } catch (ReflectiveOperationException | LinkageError | IllegalStateException e) {
            return true; // the runtime was never installed: nothing registered
        }
    }

    /** The first 30,000 characters the app wrote to its stdout and stderr. */
    public String captured() {
        return output.captured();
    }

    /** The app's stderr (its stdout log, else the server's). */
    public PrintStream err() {
        return output.err();
    }

    /** Closes the sockets the app left open and its stdout log (the host closes the class loader). */
    public void close() {
        List<AutoCloseable> open;
        synchronized (sockets) {
            open = new ArrayList<>(sockets);
            sockets.clear();
        }
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // closed as far as the OS lets us
            }
        }
        loader = null;
        output.close();
    }
}
