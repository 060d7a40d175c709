package dev.porter.hosting.inprocess;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The per-domain support class: the target of the calls {@link AppBytecode} rewrites in an application's classes
 * ({@code System.getenv}, {@code System.exit}, {@code Runtime.exit/halt}, system properties, {@code System.out/err},
 * shutdown hooks). It is not used from Porter's own class loader: each {@link AppClassLoader} defines its own copy
 * from these bytes, so its static state belongs to one app domain, and the rewritten calls find it through the calling
 * class's loader. It therefore depends on JDK classes only, and {@link AppDomain} fills it in reflectively with
 * {@link #install} before any application class runs.
 *
 * <p>Threading: called from any application thread; the state is set once before the app starts.
 */
public final class DomainRuntime {

    private static volatile Map<String, String> environment = Map.of();
    private static volatile Properties properties = new Properties();
    private static volatile PrintStream out = System.out;
    private static volatile PrintStream err = System.err;
    private static volatile IntConsumer exitHandler = status -> {
    };
    private static final IdentityHashMap<Thread, Boolean> SHUTDOWN_HOOKS = new IdentityHashMap<>();
    /** Told of every listening socket the app opens: the socket (to close it) and where it listens (or null). */
    private static volatile BiConsumer<AutoCloseable, SocketAddress> listenerOpened = (socket, address) -> {
    };
    /** Told of every connection the app opens, to close what is left of them when the domain is retired. */
    private static volatile Consumer<AutoCloseable> connectionOpened = socket -> {
    };

    private DomainRuntime() {
    }

    /** Thrown on the thread that called {@code System.exit}: the app domain stops, the server does not. */
    public static final class Exit extends Error {
        private final int status;

        Exit(int status) {
            super("System.exit(" + status + ") was called: the application is stopping (the server keeps running)",
                    null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public static void install(Map<String, String> env, Properties props, PrintStream stdout, PrintStream stderr,
            IntConsumer onExit) {
        environment = Map.copyOf(env);
        properties = props;
        out = stdout;
        err = stderr;
        exitHandler = onExit;
    }

    // ---- System.getenv ---------------------------------------------------------------------------------------------

    public static Map<String, String> getenv() {
        return environment;
    }

    public static String getenv(String name) {
        return environment.get(Objects.requireNonNull(name));
    }

    // ---- System.exit, Runtime.exit / halt --------------------------------------------------------------------------

    public static void exit(int status) {
        exitHandler.accept(status);
        // The Exit unwinds this thread; if nothing catches it, the thread ends quietly, as System.exit would end it.
        Thread thread = Thread.currentThread();
        Thread.UncaughtExceptionHandler previous = thread.getUncaughtExceptionHandler();
        thread.setUncaughtExceptionHandler((t, e) -> {
            if (!(e instanceof Exit)) {
                previous.uncaughtException(t, e);
            }
        });
        throw new Exit(status);
    }

    public static void exit(Runtime runtime, int status) {
        exit(status);
    }

    public static void halt(Runtime runtime, int status) {
        exit(status);
    }

    // ---- listening sockets of the app's own: recorded, to be named and closed with the domain --------------------

    public static void installListenerHook(BiConsumer<AutoCloseable, SocketAddress> hook) {
        listenerOpened = hook;
    }

    public static void installConnectionHook(Consumer<AutoCloseable> hook) {
        connectionOpened = hook;
    }

    public static void connect(Socket socket, SocketAddress remote) throws IOException {
        connectionOpened.accept(socket);
        socket.connect(remote);
    }

    public static void connect(Socket socket, SocketAddress remote, int timeout) throws IOException {
        connectionOpened.accept(socket);
        socket.connect(remote, timeout);
    }

    public static boolean connect(SocketChannel channel, SocketAddress remote) throws IOException {
        connectionOpened.accept(channel);
        return channel.connect(remote);
    }

    /** {@code SocketChannel.open(remote)}: opened and connected. */
    public static SocketChannel open(SocketAddress remote) throws IOException {
        SocketChannel channel = SocketChannel.open(remote);
        connectionOpened.accept(channel);
        return channel;
    }

    /** After {@code new Socket(...)} in app code: connected already if a host was given. */
    public static void connected(Socket socket) {
        connectionOpened.accept(socket);
    }

    public static ServerSocketChannel bind(ServerSocketChannel channel, SocketAddress local) throws IOException {
        return bind(channel, local, 0);
    }

    public static ServerSocketChannel bind(ServerSocketChannel channel, SocketAddress local, int backlog)
            throws IOException {
        ServerSocketChannel result = channel.bind(local, backlog);
        listenerOpened.accept(channel, channel.getLocalAddress());
        return result;
    }

    public static AsynchronousServerSocketChannel bind(AsynchronousServerSocketChannel channel, SocketAddress local)
            throws IOException {
        return bind(channel, local, 0);
    }

    public static AsynchronousServerSocketChannel bind(AsynchronousServerSocketChannel channel, SocketAddress local,
            int backlog) throws IOException {
        AsynchronousServerSocketChannel result = channel.bind(local, backlog);
        listenerOpened.accept(channel, channel.getLocalAddress());
        return result;
    }

    public static NetworkChannel bind(NetworkChannel channel, SocketAddress local) throws IOException {
        if (channel instanceof ServerSocketChannel server) {
            return bind(server, local, 0);
        }
        if (channel instanceof AsynchronousServerSocketChannel server) {
            return bind(server, local, 0);
        }
        return channel.bind(local);
    }

    public static void bind(ServerSocket socket, SocketAddress local) throws IOException {
        bind(socket, local, 50);
    }

    public static void bind(ServerSocket socket, SocketAddress local, int backlog) throws IOException {
        socket.bind(local, backlog);
        listenerOpened.accept(socket, socket.getLocalSocketAddress());
    }

    /** After {@code new ServerSocket(...)} in app code: bound already if a port was given. */
    public static void opened(ServerSocket socket) {
        listenerOpened.accept(socket, socket.isBound() ? socket.getLocalSocketAddress() : null);
    }

    // ---- shutdown hooks: run when the domain stops, not when the server does ---------------------------------------

    public static void addShutdownHook(Runtime runtime, Thread hook) {
        synchronized (SHUTDOWN_HOOKS) {
            if (hook.getState() != Thread.State.NEW) {
                throw new IllegalArgumentException("Hook already running");
            }
            if (SHUTDOWN_HOOKS.put(hook, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("Hook previously registered");
            }
        }
    }

    public static boolean removeShutdownHook(Runtime runtime, Thread hook) {
        synchronized (SHUTDOWN_HOOKS) {
            return SHUTDOWN_HOOKS.remove(Objects.requireNonNull(hook)) != null;
        }
    }

    /**
     * Called by the domain when it stops: starts the app's hooks and waits for them up to the limit. Returns whether
     * every hook ended in time.
     */
    public static boolean runShutdownHooks(long timeoutMillis) {
        List<Thread> hooks;
        synchronized (SHUTDOWN_HOOKS) {
            hooks = new ArrayList<>(SHUTDOWN_HOOKS.keySet());
            SHUTDOWN_HOOKS.clear();
        }
        for (Thread hook : hooks) {
            hook.start();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (Thread hook : hooks) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                break;
            }
            try {
                hook.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread hook : hooks) {
            if (hook.isAlive()) {
                return false;
            }
        }
        return true;
    }

    // ---- system properties -----------------------------------------------------------------------------------------

    public static Properties getProperties() {
        return properties;
    }

    public static void setProperties(Properties props) {
        if (props == null) {
            props = new Properties();
        }
        properties = props;
    }

    public static String getProperty(String key) {
        checkKey(key);
        return properties.getProperty(key);
    }

    public static String getProperty(String key, String def) {
        checkKey(key);
        return properties.getProperty(key, def);
    }

    public static String setProperty(String key, String value) {
        checkKey(key);
        return (String) properties.setProperty(key, Objects.requireNonNull(value));
    }

    public static String clearProperty(String key) {
        checkKey(key);
        return (String) properties.remove(key);
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key can't be null");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key can't be empty");
        }
    }

    // ---- child processes: the app's environment and directory -----------------------------------------------------

    private static final Map<ProcessBuilder, Boolean> PREPARED_BUILDERS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** A builder's environment starts as the app's, not the server's. */
    public static Map<String, String> environment(ProcessBuilder builder) {
        prepare(builder);
        return builder.environment();
    }

    public static Process start(ProcessBuilder builder) throws java.io.IOException {
        prepare(builder);
        if (builder.directory() == null) {
            builder.directory(appDirectory());
        }
        return builder.start();
    }

    private static void prepare(ProcessBuilder builder) {
        if (PREPARED_BUILDERS.putIfAbsent(builder, Boolean.TRUE) == null) {
            Map<String, String> env = builder.environment();
            env.clear();
            env.putAll(environment);
        }
    }

    private static java.io.File appDirectory() {
        String dir = properties.getProperty("user.dir");
        return dir == null ? null : new java.io.File(dir);
    }

    private static String[] environmentArray() {
        return environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    public static Process exec(Runtime runtime, String command) throws java.io.IOException {
        return exec(runtime, command, null, null);
    }

    public static Process exec(Runtime runtime, String command, String[] envp) throws java.io.IOException {
        return exec(runtime, command, envp, null);
    }

    public static Process exec(Runtime runtime, String command, String[] envp, java.io.File dir)
            throws java.io.IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("Empty command");
        }
        java.util.StringTokenizer st = new java.util.StringTokenizer(command);
        String[] cmdarray = new String[st.countTokens()];
        for (int i = 0; st.hasMoreTokens(); i++) {
            cmdarray[i] = st.nextToken();
        }
        return exec(runtime, cmdarray, envp, dir);
    }

    public static Process exec(Runtime runtime, String[] cmdarray) throws java.io.IOException {
        return exec(runtime, cmdarray, null, null);
    }

    public static Process exec(Runtime runtime, String[] cmdarray, String[] envp) throws java.io.IOException {
        return exec(runtime, cmdarray, envp, null);
    }

    public static Process exec(Runtime runtime, String[] cmdarray, String[] envp, java.io.File dir)
            throws java.io.IOException {
        return runtime.exec(cmdarray, envp != null ? envp : environmentArray(), dir != null ? dir : appDirectory());
    }

    // ---- Integer.getInteger, Long.getLong, Boolean.getBoolean: the JDK's read the server's properties -----------

    public static Integer getInteger(String name) {
        return getInteger(name, (Integer) null);
    }

    public static Integer getInteger(String name, int def) {
        Integer value = getInteger(name, (Integer) null);
        return value == null ? Integer.valueOf(def) : value;
    }

    public static Integer getInteger(String name, Integer def) {
        String v = name == null || name.isEmpty() ? null : properties.getProperty(name);
        if (v != null) {
            try {
                return Integer.decode(v);
            } catch (NumberFormatException e) {
                // as the JDK: the default
            }
        }
        return def;
    }

    public static Long getLong(String name) {
        return getLong(name, (Long) null);
    }

    public static Long getLong(String name, long def) {
        Long value = getLong(name, (Long) null);
        return value == null ? Long.valueOf(def) : value;
    }

    public static Long getLong(String name, Long def) {
        String v = name == null || name.isEmpty() ? null : properties.getProperty(name);
        if (v != null) {
            try {
                return Long.decode(v);
            } catch (NumberFormatException e) {
                // as the JDK: the default
            }
        }
        return def;
    }

    public static boolean getBoolean(String name) {
        return name != null && !name.isEmpty() && "true".equalsIgnoreCase(properties.getProperty(name));
    }

    // ---- System.out / System.err -----------------------------------------------------------------------------------

    public static PrintStream out() {
        return out;
    }

    public static PrintStream err() {
        return err;
    }

    public static void setOut(PrintStream stream) {
        out = Objects.requireNonNull(stream);
    }

    public static void setErr(PrintStream stream) {
        err = Objects.requireNonNull(stream);
    }
}
