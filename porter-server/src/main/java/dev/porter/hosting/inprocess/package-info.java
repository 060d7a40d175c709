/**
 * In-process hosting ({@code hostingModel="inprocess"}, spec/ancm-contract.md §3): the app runs inside the server's
 * JVM and gets each request as a {@code com.sun.net.httpserver.HttpExchange} — the same app that runs out-of-process,
 * unchanged.
 *
 * <h2>How an app is loaded</h2>
 * {@code processPath} must be {@code java} (or a path to a java launcher); {@code arguments} is a java command line:
 * {@code -jar app.jar [args]} or {@code -cp a.jar:lib/* com.example.Main [args]}, with {@code -Dk=v} options
 * ({@link dev.porter.hosting.inprocess.JavaCommandLine}). Other JVM options cannot apply inside a shared JVM: they are
 * logged and ignored. The first request creates an {@link dev.porter.hosting.inprocess.AppDomain}: a class loader over
 * the app's jars (manifest {@code Class-Path} followed) whose parent is the platform loader, so the app sees the JDK
 * (including {@code com.sun.net.httpserver}) and never Porter's classes; {@code main} runs on its own thread; requests
 * wait until the app has called {@code HttpServer.create(...)} and {@code start()}, up to {@code startupTimeLimit}.
 *
 * <h2>What each app has for itself</h2>
 * While its classes are defined, {@link dev.porter.hosting.inprocess.AppBytecode} redirects (class-file API) calls to
 * {@code System.getenv}, {@code System.exit}, {@code Runtime.exit/halt}, {@code System.getProperty/getProperties/
 * setProperty/clearProperty/setProperties}, {@code Integer.getInteger}, {@code Long.getLong},
 * {@code Boolean.getBoolean}, {@code System.out/err} (and {@code setOut/setErr}), {@code Runtime.add/removeShutdownHook},
 * {@code ProcessBuilder.environment/start} and {@code Runtime.exec} to the domain's own
 * {@link dev.porter.hosting.inprocess.DomainRuntime}:
 * <ul>
 * <li>environment: the server's, overlaid with web.config {@code environmentVariables}, plus
 * {@code ASPNETCORE_IIS_PHYSICAL_PATH} (with a trailing {@code /}) and {@code ASPNETCORE_IIS_HTTPAUTH}
 * ({@code anonymous;} until the front server authenticates);</li>
 * <li>system properties: the server's at load time, then {@code user.dir} = the app directory,
 * {@code java.class.path}, and the {@code -D} options;</li>
 * <li>{@code System.exit}: stops that app (the requests waiting for it get 500.30, the next one starts it again); the
 * thread that called it unwinds with an {@code Error} and, if nothing catches it, ends quietly;</li>
 * <li>stdout/stderr: the app's stdout log when {@code stdoutLogEnabled} (spec §5.1 naming), else the server's stdout;
 * the first 30,000 characters are kept for the 500.3x pages and events;</li>
 * <li>shutdown hooks: run when the app stops, not when the server does;</li>
 * <li>child processes: start with the app's environment and, unless given one, in the app's directory;</li>
 * <li>listening sockets of its own ({@code bind} of server socket channels and {@code ServerSocket}s): recorded,
 * named as a misfit before the app's in-process server started, and closed when the domain is retired.</li>
 * </ul>
 * Servlet applications (WARs, Spring Boot jars in Porter's Servlet host) get the same redirection through
 * {@link dev.porter.hosting.inprocess.ServletAppDomain}, the seam the host's class loaders use.
 * Not covered (the JVM has one of each): JDK code acting for the app (e.g. {@code new File("x")} resolves against the
 * server's working directory, not {@code user.dir}; {@code Throwable.printStackTrace()} without arguments writes to the server's stderr), reflection and method handles
 * on these methods, JNI.
 *
 * <h2>The server</h2>
 * {@link dev.porter.hosting.inprocess.InProcessServerProvider} is the JVM's {@code HttpServerProvider} (system
 * property set by {@link dev.porter.hosting.inprocess.InProcessHosting}, and {@code META-INF/services}); it gives an
 * app domain's code — told by the class loaders of the calling frames, then the thread's context loader — that app's
 * {@link dev.porter.hosting.inprocess.InProcessHttpServer}, and everyone else the JDK's own server. The bind address
 * is ignored; {@code getRequestURI()} is the path form relative to the application's virtual path, and contexts,
 * filters and authenticators follow the JDK's rules: both come from porter-httpcontext ({@code PathBase},
 * {@code HttpContexts}), the rules the integration library applies out-of-process; handlers run on a virtual thread per
 * exchange unless the app sets an executor (the threads of the requests one event-loop cycle decodes start together,
 * {@link dev.porter.hosting.inprocess.ThreadStarts}; a small response crosses back to the loop once, head and body
 * together). Bodies stream both ways with bounded buffers
 * ({@link dev.porter.hosting.inprocess.RequestBodyStream}, {@link dev.porter.hosting.inprocess.ResponseBodyStream}).
 * {@code HttpsServer.create} gives the same server under the {@code HttpsServer} type
 * ({@link dev.porter.hosting.inprocess.InProcessHttpsServer}): the front server terminates TLS, the app's
 * {@code HttpsConfigurator} is not used.
 *
 * <h2>Options an app sets</h2>
 * As system properties of its domain ({@code -D} in arguments, or {@code System.setProperty} before its server
 * starts), see {@link dev.porter.hosting.inprocess.InProcessOptions}: {@code porter.maxRequestBodySize},
 * {@code porter.allowSynchronousIO}, {@code porter.automaticAuthentication}. Per request, exchange attributes:
 * {@code porter.requestAborted} (a {@code CompletableFuture<Void>} completed on client disconnect) and
 * {@code porter.maxRequestBodySize} (a {@code Long}, before the first read).
 *
 * <h2>Failures and stop</h2>
 * 500.0 for a command line that cannot be loaded (missing jar or main class, no main method, a class file newer than
 * the server's Java, a non-java {@code processPath}) and for a Spring Boot jar
 * ({@link dev.porter.hosting.inprocess.SpringBootJar}); 500.30 when {@code main} throws or returns, or the app exits,
 * before its server started, when the app exits or stops its server later, and when it opens a server of its own;
 * 500.37 after {@code startupTimeLimit}. The 500.3x failures heal
 * ({@link dev.porter.hosting.inprocess.InProcessHandler}): once the failed domain is retired the next request starts
 * a fresh one, with {@link dev.porter.hosting.inprocess.RapidFailProtection} (5 failures in 5 minutes, per-app
 * handler settings) as the guard. {@code stop} answers 503 to new requests, drains in-flight ones up to
 * {@code shutdownTimeLimit} (then cuts them off and interrupts their handlers), runs the app's shutdown hooks,
 * interrupts and awaits {@code main}, closes the app's own sockets, and closes the class loader — or, past the limit
 * (event 1005), interrupts and disowns the app's threads and closes the class loader when they end.
 * {@code ANCM_LAUNCHER_PATH}/{@code ANCM_LAUNCHER_ARGS} and the module debug log apply as out-of-process. User
 * documentation: {@code docs/in-process.md}.
 */
package dev.porter.hosting.inprocess;
