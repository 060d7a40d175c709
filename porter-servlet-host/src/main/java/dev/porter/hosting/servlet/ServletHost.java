package dev.porter.hosting.servlet;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.ShutdownThread;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Porter's Servlet host: one per Porter JVM, created with the first Servlet application. It owns what every hosted
 * app's Jetty {@link Server} shares — a virtual-thread pool (async dispatch, listener callbacks), a scheduler (async
 * timeouts) and a buffer pool — and builds one {@link Server} per application with a {@link PorterConnector}, so
 * stopping one app is stopping its own server and one app's failure never reaches another's.
 *
 * <p>Threading: {@link #newServer} from any thread.
 */
final class ServletHost {

    private final VirtualThreadPool threadPool;
    private final ScheduledExecutorScheduler scheduler;
    private final ByteBufferPool bufferPool = new ArrayByteBufferPool();

    ServletHost() {
        threadPool = new VirtualThreadPool();
        threadPool.setName("porter-servlet");
        threadPool.setMaxConcurrentTasks(100_000);
        scheduler = new ScheduledExecutorScheduler("porter-servlet-scheduler", true);
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(ServletHost.class.getClassLoader());
        try {
            threadPool.start();
            scheduler.start();
            // Create the scheduler's thread now, from the host's loader: created later from an app's thread it would
            // inherit that app's context class loader and keep it (and every class of the app) alive for ever.
            scheduler.schedule(() -> { }, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
            // Likewise Jetty's ShutdownThread: a Thread created when its class initializes (Server.setStopAtShutdown)
            // and kept in a static field for ever. Initialized from a Spring Boot app's main thread, it held that
            // app's class loader (and every class of it) after the app was recycled: found in a heap dump.
            ShutdownThread.getInstance();
        } catch (Exception e) {
            throw new IllegalStateException("Porter's Servlet host could not start its thread pool", e);
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    /** A new, unstarted server for one application (the shared pools are not stopped with it). */
    Server newServer() {
        // A Spring Boot app calls this from its main thread: whatever Jetty creates here must not inherit its loader.
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(ServletHost.class.getClassLoader());
        try {
            return newServerInHostLoader();
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    private Server newServerInHostLoader() {
        Server server = new AppServer(threadPool, scheduler, bufferPool);
        server.unmanage(threadPool);
        server.unmanage(scheduler);
        server.unmanage(bufferPool);
        server.setStopAtShutdown(false);
        HttpConfiguration config = new HttpConfiguration();
        // The front server writes Server and Date (one of each), and has validated the request already.
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        config.setSendDateHeader(false);
        config.setRelativeRedirectAllowed(true);
        server.addConnector(new PorterConnector(server, config));
        return server;
    }

    /** An app's Jetty server: every request reaches the app's handlers with {@link RequestAttributes}. */
    private static final class AppServer extends Server {

        AppServer(VirtualThreadPool threadPool, ScheduledExecutorScheduler scheduler, ByteBufferPool bufferPool) {
            super(threadPool, scheduler, bufferPool);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            return super.handle(RequestAttributes.wrap(request), response, callback);
        }
    }

    /** Where request tasks, async dispatches and blocking callbacks run. */
    VirtualThreadPool executor() {
        return threadPool;
    }
}
