package dev.porter.testapps.inprocess;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A plain JDK {@code HttpServer} app for the in-process tests (JDK only; the tests package it as its own jar). The
 * first program argument picks how it starts: {@code serve} (default), {@code throw} (main throws before any server),
 * {@code return} (main returns without a server), {@code exit} ({@code System.exit(12)} before any server),
 * {@code never} (main waits for ever without a server), {@code fail-once} / {@code hang-once} (the first start
 * in an app directory throws / never starts a server, later ones serve), {@code own-channel} / {@code own-socket}
 * (listens itself with a ServerSocketChannel / ServerSocket, then main returns: a misfit in-process), {@code spam}
 * (writes 40,000 'a' to stdout, then throws), {@code pool} (creates its server on a common-pool thread),
 * {@code platform} (serves with a fixed pool of platform threads as its executor), {@code cached} (a cached pool),
 * {@code virtual} (a virtual-thread-per-task executor), {@code https} (an HttpsServer with its own TLS
 * configuration). Its routes report what the app sees.
 */
public final class InProcessTestApp {

    /** Whether the last /wait-abort request saw its client go away. */
    private static final AtomicReference<String> LAST_ABORT = new AtomicReference<>("none");
    private static final CountDownLatch NEVER = new CountDownLatch(1);
    private static final AtomicReference<HttpServer> SERVER = new AtomicReference<>();
    private static final java.util.List<Object> KEPT = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final java.util.concurrent.atomic.AtomicInteger SLOW_STARTED =
            new java.util.concurrent.atomic.AtomicInteger();

    /** This incarnation (one per app domain: each loads the class anew) and when its main began, epoch ms. */
    private static final String INCARNATION = java.util.UUID.randomUUID() + " " + System.currentTimeMillis();

    private InProcessTestApp() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "serve";
        String startDelay = System.getenv("TEST_START_DELAY_MS"); // an app that takes a while to start
        if (startDelay != null) {
            Thread.sleep(Long.parseLong(startDelay));
        }
        System.out.println("TEST MESSAGE from " + mode);
        switch (mode) {
            case "throw" -> throw new IllegalStateException("The app refuses to start (InProcessTestApp.main)");
            case "return" -> {
                return;
            }
            case "exit" -> System.exit(12);
            case "spam" -> {
                System.out.print("a".repeat(40_000));
                System.out.flush();
                throw new IllegalStateException("after spamming stdout");
            }
            case "never" -> NEVER.await();
            case "own-channel", "own-socket" -> {
                ownServer(mode.equals("own-channel"));
                return;
            }
            case "fail-once", "hang-once" -> {
                // The first start fails (a database down at start); the marker in the app's directory lets the next
                // one through. user.dir is the app's directory in-process and out-of-process alike.
                java.nio.file.Path marker = java.nio.file.Path.of(System.getProperty("user.dir"), "started-once");
                if (!java.nio.file.Files.exists(marker)) {
                    java.nio.file.Files.writeString(marker, "1");
                    if (mode.equals("fail-once")) {
                        throw new IllegalStateException("The database is down (first start of InProcessTestApp)");
                    }
                    NEVER.await();
                }
            }
            default -> {
            }
        }
        // Out-of-process (or standalone) it listens where ASPNETCORE_PORT says; in-process the address is ignored.
        String port = System.getenv("ASPNETCORE_PORT");
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                port == null ? 0 : Integer.parseInt(port));
        // "pool": as frameworks do, the server is created on a shared pool thread (not the app's own).
        HttpServer server;
        if (mode.equals("pool")) {
            server = CompletableFuture.supplyAsync(() -> create(address)).get();
        } else if (mode.equals("https")) {
            // An app written for HTTPS standalone: its own TLS configuration.
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(
                    javax.net.ssl.SSLContext.getDefault()));
            server = https;
        } else {
            server = HttpServer.create(address, 0);
        }
        server.createContext("/", InProcessTestApp::handle);
        // The JDK's context rules, which the app must meet alike on the JDK's server, behind porter-integration and
        // in-process: "/later" never gets a handler (500); "/secure" runs its filter, then its authenticator, then
        // its handler, and the filter sees no principal yet.
        server.createContext("/later");
        com.sun.net.httpserver.HttpContext secure = server.createContext("/secure",
                exchange -> text(exchange, 200, "principal=" + principal(exchange)));
        secure.getFilters().add(com.sun.net.httpserver.Filter.beforeHandler("records what the filter sees",
                exchange -> exchange.getResponseHeaders().set("X-Filter-Saw", principal(exchange)
                        + " filters=" + exchange.getHttpContext().getFilters().size())));
        secure.setAuthenticator(new com.sun.net.httpserver.BasicAuthenticator("porter") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return "alice".equals(user) && "secret".equals(password);
            }
        });
        switch (mode) {
            case "platform" -> server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
            case "cached" -> server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            case "virtual" -> server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            default -> {
            }
        }
        server.start();
        SERVER.set(server);
    }

    /**
     * A misfit in-process: listens itself, as Jetty or Tomcat would, on loopback, on the port an earlier start in this
     * app directory got (so a later start fails if the earlier socket was never closed), then main returns.
     */
    private static void ownServer(boolean channel) throws IOException {
        java.nio.file.Path portFile = java.nio.file.Path.of(System.getProperty("user.dir"), "own-port");
        int port = java.nio.file.Files.exists(portFile)
                ? Integer.parseInt(java.nio.file.Files.readString(portFile).trim()) : 0;
        InetSocketAddress address = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port);
        int bound;
        if (channel) {
            java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open();
            server.bind(address, 50);
            bound = ((InetSocketAddress) server.getLocalAddress()).getPort();
        } else {
            java.net.ServerSocket server = new java.net.ServerSocket(port, 50, address.getAddress());
            bound = server.getLocalPort();
        }
        java.nio.file.Files.writeString(portFile, Integer.toString(bound));
        System.out.println("listening myself on port " + bound);
    }

    private static HttpServer create(InetSocketAddress address) {
        try {
            return HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/hello" -> text(exchange, 200, "hello");
            case "/incarnation" -> text(exchange, 200, INCARNATION);
            case "/remote" -> text(exchange, 200, exchange.getRemoteAddress().getAddress().getHostAddress() + ":"
                    + exchange.getRemoteAddress().getPort());
            case "/env" -> text(exchange, 200, String.valueOf(System.getenv(query.get("name"))));
            case "/envsize" -> text(exchange, 200, String.valueOf(System.getenv().containsKey(query.get("name"))));
            case "/prop" -> text(exchange, 200, String.valueOf(System.getProperty(query.get("name"))));
            case "/child-env" -> {
                // A child process sees the app's environment and starts in the app's directory.
                Process child = new ProcessBuilder("sh", "-c", "printf '%s|%s' \"$" + query.get("name") + "\" \"$PWD\"")
                        .redirectErrorStream(true).start();
                String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                try {
                    child.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                text(exchange, 200, out);
            }
            case "/helper" -> text(exchange, 200, InProcessHelper.greeting());
            case "/intprop" -> text(exchange, 200, String.valueOf(Integer.getInteger(query.get("name"))));
            case "/setprop" -> {
                System.setProperty(query.get("name"), query.get("value"));
                text(exchange, 200, "set");
            }
            case "/server-type" -> text(exchange, 200, String.valueOf(
                    exchange.getHttpContext().getServer() instanceof com.sun.net.httpserver.HttpsServer));
            case "/whoami" -> text(exchange, 200, InProcessTestApp.class.getName() + "@"
                    + InProcessTestApp.class.getClassLoader().getName() + " server="
                    + HttpServer.class.getClassLoader() + " thread-virtual=" + Thread.currentThread().isVirtual());
            case "/porter" -> {
                String visible;
                try {
                    Class.forName("dev.porter.Porter");
                    visible = "visible";
                } catch (ClassNotFoundException e) {
                    visible = "hidden";
                }
                text(exchange, 200, visible);
            }
            case "/uri" -> text(exchange, 200, exchange.getRequestURI() + " " + exchange.getHttpContext().getPath());
            case "/pathbase" -> text(exchange, 200, exchange.getAttribute("porter.pathBase") + " "
                    + exchange.getRequestURI().getRawPath());
            case "/print" -> {
                System.out.println(query.get("text"));
                text(exchange, 200, "printed");
            }
            case "/connect" -> {
                // A connection the app keeps open and never closes (a pool that is never shut down).
                java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(),
                        Integer.parseInt(query.get("port")));
                KEPT.add(socket);
                text(exchange, 200, "connected");
            }
            case "/stop-server" -> {
                text(exchange, 200, "stopping");
                new Thread(() -> SERVER.get().stop(0)).start();
            }
            case "/hang-on-stop" -> {
                // A shutdown hook that never ends by itself (it does end when interrupted).
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        System.out.println("shutdown hook interrupted");
                    }
                }, "hanging-shutdown-hook"));
                text(exchange, 200, "hook added");
            }
            case "/exit" -> {
                text(exchange, 200, "exiting");
                System.exit(3);
            }
            case "/upload" -> {
                long delay = Long.parseLong(query.getOrDefault("delayMs", "0"));
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                InputStream in = exchange.getRequestBody();
                int n;
                while ((n = in.read(buffer)) != -1) {
                    total += n;
                    if (delay > 0) {
                        sleep(delay);
                    }
                }
                text(exchange, 200, Long.toString(total));
            }
            case "/download" -> {
                long mb = Long.parseLong(query.getOrDefault("mb", "1"));
                exchange.sendResponseHeaders(200, mb * 1024 * 1024);
                byte[] chunk = new byte[64 * 1024];
                try (OutputStream out = exchange.getResponseBody()) {
                    for (long i = 0; i < mb * 16; i++) {
                        out.write(chunk);
                    }
                }
            }
            case "/wait-abort" -> {
                @SuppressWarnings("unchecked")
                CompletableFuture<Void> aborted = (CompletableFuture<Void>) exchange.getAttribute(
                        "porter.requestAborted");
                LAST_ABORT.set("waiting");
                aborted.thenRun(() -> LAST_ABORT.set("aborted"));
                try {
                    aborted.get();
                    int read = exchange.getRequestBody().read();
                    LAST_ABORT.set("aborted, read returned " + read);
                } catch (IOException e) {
                    LAST_ABORT.set("aborted, read failed: " + e.getMessage());
                } catch (Exception e) {
                    LAST_ABORT.set("failed: " + e);
                }
            }
            case "/last-abort" -> text(exchange, 200, LAST_ABORT.get());
            case "/slow-started" -> text(exchange, 200, Integer.toString(SLOW_STARTED.get()));
            case "/slow" -> {
                SLOW_STARTED.incrementAndGet();
                sleep(Long.parseLong(query.getOrDefault("ms", "100")));
                text(exchange, 200, "slow");
            }
            case "/chunked" -> {
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write("part1,".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    out.write("part2".getBytes(StandardCharsets.UTF_8));
                }
            }
            case "/tls" -> text(exchange, 200, tls(exchange));
            case "/throw" -> throw new IllegalStateException("handler failure");
            case "/throw-in-try" -> {
                try (exchange) {
                    throw new IllegalStateException("handler failure inside try (exchange)");
                }
            }
            default -> text(exchange, 404, "no route " + path);
        }
    }

    /** What the server says about TLS and the user: as an HttpsServer's exchange would. */
    private static String tls(HttpExchange exchange) {
        String cert = "none";
        String session = "none";
        if (exchange instanceof com.sun.net.httpserver.HttpsExchange https) {
            session = https.getSSLSession().getProtocol();
            try {
                cert = ((java.security.cert.X509Certificate) https.getSSLSession().getPeerCertificates()[0])
                        .getSubjectX500Principal().getName();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                cert = "none";
            }
        }
        return "https=" + (exchange instanceof com.sun.net.httpserver.HttpsExchange) + " session=" + session
                + " protocol=" + exchange.getProtocol() + " cert=" + cert + " user="
                + (exchange.getPrincipal() == null ? "none" : exchange.getPrincipal().getUsername() + "/"
                        + exchange.getPrincipal().getRealm()) + " httpauth=" + System.getenv("ASPNETCORE_IIS_HTTPAUTH");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String principal(HttpExchange exchange) {
        return exchange.getPrincipal() == null ? "none" : exchange.getPrincipal().getName();
    }

    private static void text(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> map = new LinkedHashMap<>();
        if (raw == null) {
            return map;
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            map.put(java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return map;
    }
}
