package dev.porter.hosting.inprocess;

import dev.porter.server.Exchange;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * One in-process application loaded into the server's JVM: its own class loader over the app's jars (parent = the
 * platform loader), its own environment, system properties, stdout/stderr and exit guard (through its
 * {@link DomainRuntime}), {@code main} on its own thread, and the {@link InProcessHttpServer}s it creates. It reports
 * what happens to it (server started, main returned or threw, exit called) to its {@link InProcessApplication}, which
 * decides what requests get. Several domains in one server share nothing but the JDK.
 *
 * <p>Threading: started once on a virtual thread; the app calls in from its own threads; requests are counted from
 * event loops; {@link #shutdown} and {@link #close} run once on the stopping thread.
 */
final class AppDomain {

    private static final AtomicInteger IDS = new AtomicInteger();
    /** Every domain class loader this server created, weakly: shows whether stopped apps are really unloaded. */
    private static final java.util.Queue<java.lang.ref.WeakReference<AppClassLoader>> LOADERS =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final InProcessApplication application;
    private final String name;
    private final JavaCommandLine commandLine;
    private final Map<String, String> environment;
    private final Properties properties;
    private final AppOutput output;
    private final String loaderName;
    private final ThreadFactory requestThreads;
    private final List<InProcessHttpServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Listening sockets the app opened itself (a misfit), to close when the domain is retired. */
    private final List<AutoCloseable> ownListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Connections the app opened, weakly (a closed one is forgotten when collected), to close what is left. */
    private final java.util.Set<AutoCloseable> connections =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    /** Keyed by the app's exchange, whose hash costs less than the identity hash an {@link Exchange} key takes. */
    private final java.util.Set<InProcessExchange> inFlight = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    /** Threads in {@link #awaitDrained}; written under {@link #lock}. */
    private volatile int drainWaiters;
    private volatile AppClassLoader loader;
    private volatile Thread mainThread;

    AppDomain(InProcessApplication application, String name, JavaCommandLine commandLine, Path directory,
            Map<String, String> environment, AppOutput output) {
        this.application = application;
        this.name = name;
        this.commandLine = commandLine;
        this.environment = Map.copyOf(environment);
        this.output = output;
        int id = IDS.incrementAndGet();
        this.loaderName = "porter-app-" + id;
        String threadPrefix = appLabel(name) + "#" + id;
        // One name for all of an app's request threads: a numbered name costs a string per request.
        this.requestThreads = Thread.ofVirtual().name(threadPrefix + "-request").factory();
        this.properties = properties(commandLine, directory);
    }

    private static Properties properties(JavaCommandLine commandLine, Path directory) {
        Properties p = new Properties();
        p.putAll(System.getProperties());
        p.setProperty("user.dir", directory.toString());
        p.setProperty("java.class.path", commandLine.classPath().stream().map(Path::toString)
                .collect(Collectors.joining(java.io.File.pathSeparator)));
        p.setProperty("sun.java.command", String.join(" ", commandLine.mainClass(),
                String.join(" ", commandLine.programArguments())).trim());
        commandLine.systemProperties().forEach(p::setProperty);
        return p;
    }

    private static String appLabel(String configPath) {
        int slash = configPath.lastIndexOf('/');
        return slash >= 0 ? configPath.substring(slash + 1) : configPath;
    }

    String name() {
        return name;
    }

    /** How many domain class loaders are still reachable (loaded or not yet collected). */
    static int reachableLoaders() {
        LOADERS.removeIf(ref -> ref.refersTo(null));
        return LOADERS.size();
    }

    AppClassLoader loader() {
        return loader;
    }

    /** Counts a Servlet app's loader among the domain loaders (see {@link #reachableLoaders}). */
    static void track(AppClassLoader l) {
        LOADERS.removeIf(ref -> ref.refersTo(null));
        LOADERS.add(new java.lang.ref.WeakReference<>(l));
    }

    Properties properties() {
        return properties;
    }

    AppOutput output() {
        return output;
    }

    ThreadFactory requestThreads() {
        return requestThreads;
    }

    /**
     * Creates the class loader, installs the domain runtime, finds {@code main} and starts it on its own thread.
     * Blocking (reads jars).
     *
     * @throws StartFailure a 500.0: the main class is missing, compiled for a newer Java, or has no main method
     */
    void start() throws StartFailure {
        try {
            loader = new AppClassLoader(loaderName + ":" + name, commandLine.classPath(), this);
            LOADERS.removeIf(ref -> ref.refersTo(null));
            LOADERS.add(new java.lang.ref.WeakReference<>(loader));
        } catch (IOException e) {
            throw StartFailure.hosting("Cannot open the application's class path: " + e.getMessage());
        }
        try {
            Class<?> runtime = loader.loadClass(AppBytecode.RUNTIME_CLASS);
            IntConsumer onExit = status -> application.exitCalled(this, status, exitCaller());
            runtime.getMethod("install", Map.class, Properties.class, PrintStream.class, PrintStream.class,
                    IntConsumer.class).invoke(null, environment, properties, output.out(), output.err(), onExit);
            java.util.function.BiConsumer<AutoCloseable, java.net.SocketAddress> onListen = this::listenerOpened;
            runtime.getMethod("installListenerHook", java.util.function.BiConsumer.class).invoke(null, onListen);
            java.util.function.Consumer<AutoCloseable> onConnect = connections::add;
            runtime.getMethod("installConnectionHook", java.util.function.Consumer.class).invoke(null, onConnect);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot install the app domain runtime", e);
        }
        Class<?> mainClass;
        try {
            mainClass = Class.forName(commandLine.mainClass(), false, loader);
        } catch (ClassNotFoundException e) {
            throw StartFailure.hosting("Could not find or load main class " + commandLine.mainClass()
                    + " in the class path " + commandLine.classPath());
        } catch (UnsupportedClassVersionError e) {
            throw StartFailure.hosting("The application was compiled for a newer Java than the server's: "
                    + e.getMessage());
        } catch (LinkageError e) {
            throw StartFailure.hosting("Could not load main class " + commandLine.mainClass() + ": " + e);
        }
        Method main = findMain(mainClass);
        if (main == null) {
            throw StartFailure.hosting("Main method not found in class " + commandLine.mainClass()
                    + ", please define the main method as: public static void main(String[] args)");
        }
        String[] args = commandLine.programArguments().toArray(String[]::new);
        Thread thread = Thread.ofPlatform().daemon().name(appLabel(name) + "-main")
                .unstarted(() -> runMain(main, args));
        thread.setContextClassLoader(loader);
        mainThread = thread;
        thread.start();
    }

    /** {@code static main(String[])}, then the Java 25 forms: {@code static main()}, instance mains. */
    private static Method findMain(Class<?> type) {
        for (boolean withArgs : new boolean[] {true, false}) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                try {
                    Method m = withArgs ? c.getDeclaredMethod("main", String[].class) : c.getDeclaredMethod("main");
                    if (m.getReturnType() == void.class && !Modifier.isPrivate(m.getModifiers())) {
                        m.setAccessible(true);
                        return m;
                    }
                } catch (NoSuchMethodException e) {
                    // look further
                }
            }
        }
        return null;
    }

    private void runMain(Method main, String[] args) {
        try {
            Object target = null;
            if (!Modifier.isStatic(main.getModifiers())) {
                var constructor = main.getDeclaringClass().getDeclaredConstructor();
                constructor.setAccessible(true);
                target = constructor.newInstance();
            }
            if (main.getParameterCount() == 1) {
                main.invoke(target, (Object) args);
            } else {
                main.invoke(target);
            }
            application.mainReturned(this);
        } catch (InvocationTargetException e) {
            mainFailed(e.getCause());
        } catch (Throwable e) {
            mainFailed(e);
        }
    }

    /** On the thread that called {@code System.exit}: the app's frame that called it, for the log and the page. */
    static String exitCaller() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith(AppDomain.class.getPackageName() + "."))
                .findFirst().map(f -> frame(f.toStackTraceElement())).orElse("an unknown place"));
    }

    /** A stack frame as a Java developer reads it: {@code com.example.Main.main(Main.java:12)}, no loader name. */
    static String frame(StackTraceElement e) {
        String where = e.isNativeMethod() ? "Native Method" : e.getFileName() == null ? "Unknown Source"
                : e.getLineNumber() >= 0 ? e.getFileName() + ":" + e.getLineNumber() : e.getFileName();
        return e.getClassName() + "." + e.getMethodName() + "(" + where + ")";
    }

    /** The class whose main method runs. */
    String mainClassName() {
        return commandLine.mainClass();
    }

    private void mainFailed(Throwable e) {
        if (isExit(e) || (application.isStopping() && e instanceof InterruptedException)) {
            return; // exitCalled has reported it, or the host interrupted main to stop the app
        }
        // As the JVM's default handler would, onto the app's own stderr (and so into its capture and log file).
        output.err().print("Exception in thread \"main\" ");
        e.printStackTrace(output.err());
        application.mainThrew(this, e);
    }

    static boolean isExit(Throwable e) {
        return e instanceof Error && e.getClass().getName().equals(AppBytecode.RUNTIME_CLASS + "$Exit");
    }

    // ---- listening sockets of the app's own ------------------------------------------------------------------------

    /** On the app's thread that bound it (or created a bound {@code ServerSocket}). */
    private void listenerOpened(AutoCloseable socket, java.net.SocketAddress address) {
        ownListeners.add(socket);
        if (address != null) {
            application.ownServerOpened(this, describe(address), exitCaller());
        }
    }

    /** {@code 127.0.0.1:7070}, {@code [::1]:7070}, {@code 0.0.0.0:7070}: as one writes it in a URL. */
    static String describe(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    /**
     * Shuts down the executors the app gave its in-process servers (called when the domain is retired, after its
     * shutdown hooks): standalone the JVM's exit ends their threads; in-process nothing else would, and a fixed pool's
     * idle threads would outlive every recycle. Running tasks finish; idle threads end.
     */
    void shutdownServerExecutors() {
        for (InProcessHttpServer server : servers) {
            if (server.getExecutor() instanceof java.util.concurrent.ExecutorService executor) {
                try {
                    executor.shutdown();
                } catch (RuntimeException e) {
                    // the app's own executor refused: its threads are named when they outlive the domain
                }
            }
        }
    }

    /** Closes the connections the app opened and left open (called when the domain is retired). Idempotent. */
    void closeConnections() {
        List<AutoCloseable> open;
        synchronized (connections) {
            open = new ArrayList<>(connections);
            connections.clear();
        }
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // closed as far as the OS lets us
            }
        }
    }

    /** Closes every listening socket the app opened and stops its in-process servers. Idempotent. */
    void closeOwnServers() {
        for (InProcessHttpServer server : servers) {
            server.markStoppedByHost();
        }
        for (AutoCloseable socket : ownListeners) {
            try {
                socket.close();
            } catch (Exception e) {
                // closed as far as the OS lets us
            }
        }
        ownListeners.clear();
    }

    // ---- the app's servers -----------------------------------------------------------------------------------------

    InProcessHttpServer newServer(InetSocketAddress address) {
        InProcessHttpServer server = new InProcessHttpServer(this, address);
        servers.add(server);
        return server;
    }

    void serverStarted(InProcessHttpServer server) {
        application.serverStarted(this, server);
    }

    /** The app stopped one of its servers: no new exchanges; wait up to {@code delaySeconds} for current ones. */
    void serverStopping(InProcessHttpServer server) {
        application.serverStoppedByApp(this, server);
    }

    void awaitDrainedAfterAppStop(int delaySeconds) {
        awaitDrained(System.nanoTime() + delaySeconds * 1_000_000_000L);
    }

    // ---- requests in flight ----------------------------------------------------------------------------------------

    void requestStarted(InProcessExchange app) {
        inFlight.add(app);
    }

    void requestEnded(InProcessExchange app) {
        // Only a stop waits for the drain: requests that end while nobody waits take no lock.
        if (inFlight.remove(app) && drainWaiters > 0 && inFlight.isEmpty()) {
            lock.lock();
            try {
                drained.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** Waits until no request is in flight or the deadline ({@code System.nanoTime()}) passes. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // every write holds the lock; volatile is for requestEnded's read
    boolean awaitDrained(long deadlineNanos) {
        lock.lock();
        drainWaiters++; // (before the emptiness check below: requestEnded reads it after its removal)
        try {
            while (!inFlight.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                drained.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return inFlight.isEmpty();
        } finally {
            drainWaiters--;
            lock.unlock();
        }
    }

    /**
     * Cuts off the requests still in flight (their clients see the connection close) and interrupts their handler
     * threads. Returns those threads, to name the ones that do not end.
     */
    List<Thread> abortInFlight() {
        List<Thread> handlers = new ArrayList<>();
        for (InProcessExchange app : List.copyOf(inFlight)) {
            Exchange exchange = app.front();
            exchange.eventLoop().execute(exchange::abort);
            Thread handler = app.handlerThread();
            if (handler != null) {
                handler.interrupt();
                handlers.add(handler);
            }
        }
        return handlers;
    }

    // ---- stopping --------------------------------------------------------------------------------------------------

    /**
     * Stops the app: its servers take nothing more, its shutdown hooks run, its main thread is interrupted and
     * awaited, all by the deadline. Returns whether everything finished in time.
     */
    boolean shutdown(long deadlineNanos) {
        closeOwnServers();
        boolean hooksEnded = true;
        AppClassLoader l = loader;
        if (l != null) {
            try {
                Class<?> runtime = l.loadClass(AppBytecode.RUNTIME_CLASS);
                long leftMillis = Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L);
                hooksEnded = (Boolean) runtime.getMethod("runShutdownHooks", long.class).invoke(null, leftMillis);
            } catch (ReflectiveOperationException | LinkageError e) {
                // the runtime was never installed: nothing registered
            }
        }
        Thread main = mainThread;
        if (main != null && main.isAlive()) {
            main.interrupt();
            long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (leftMillis > 0) {
                try {
                    main.join(leftMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return hooksEnded && !main.isAlive();
        }
        return hooksEnded;
    }

    /** The app's platform threads still alive (by context loader or by frames of the app's classes). */
    List<Thread> liveThreads() {
        AppClassLoader l = loader;
        if (l == null) {
            return List.of();
        }
        String loaderFullName = l.getName();
        List<Thread> alive = new ArrayList<>();
        Thread self = Thread.currentThread();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            if (t == self || !t.isAlive()) {
                continue;
            }
            boolean ours = t.getContextClassLoader() == l;
            for (StackTraceElement frame : e.getValue()) {
                if (ours) {
                    break;
                }
                ours = loaderFullName.equals(frame.getClassLoaderName());
            }
            if (ours) {
                alive.add(t);
            }
        }
        return alive;
    }

    /** Drops the class loader (its jars are closed) and the stdout log. */
    void close() {
        AppClassLoader l = loader;
        if (l != null) {
            try {
                l.close();
            } catch (IOException e) {
                // the jars are released as far as the OS lets us
            }
        }
        output.close();
    }
}
