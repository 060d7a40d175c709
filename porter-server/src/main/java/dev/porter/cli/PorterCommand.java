package dev.porter.cli;

import dev.porter.Porter;
import dev.porter.config.AdministrationConfig;
import dev.porter.config.AdministrationConfigParser;
import dev.porter.config.ConfigException;
import dev.porter.config.NodeConfig;
import dev.porter.config.NodeConfigParser;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import dev.porter.config.WebConfigParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code porter}: the command line. Exit codes: 0 after a clean stop (SIGINT/SIGTERM: stop accepting, let requests in
 * flight finish, stop every application), 2 for a configuration or usage error (the message on stderr says which
 * file, line, element, attribute and what is allowed), 1 for anything else (e.g. a port already in use: the message
 * names the address).
 *
 * <p>Threading: {@link #main} runs the command on the main thread, which waits for the stop signal; the signal handler
 * only releases that wait, so the stop itself runs on the main thread.
 */
@Command(name = "porter", mixinStandardHelpOptions = true, versionProvider = PorterCommand.Version.class,
        description = "Porter: the IIS + ASP.NET Core Module hosting system for the JVM.",
        subcommands = {PorterCommand.Run.class, PorterCommand.Serve.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (SIGINT/SIGTERM)", "1:failed (for example a port already in use)",
                "2:configuration or usage error"})
public final class PorterCommand implements Callable<Integer> {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_CONFIG = 2;

    private static final Logger LOG = LoggerFactory.getLogger("dev.porter");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = new CommandLine(new PorterCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println("porter: configuration error: " + e.getMessage());
                return EXIT_CONFIG;
            }
            commandLine.getErr().println("porter: " + e);
            LOG.error("Porter failed", e);
            return EXIT_FAILURE;
        });
        cli.setParameterExceptionHandler((e, parsedArgs) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("porter: " + e.getMessage());
            e.getCommandLine().usage(err);
            return EXIT_CONFIG;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("porter: a command is needed: run or serve.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_CONFIG;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Serve the one application in <appDir> (its web.config) at '/': the IIS Express experience.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stopped cleanly (SIGINT/SIGTERM)", "1:failed (for example the port is in use)",
                    "2:configuration or usage error"})
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<appDir>", description = "The application directory (holds web.config).")
        Path appDir;

        @Option(names = "--port", defaultValue = "8080", paramLabel = "N",
                description = "Port to listen on, 0-65535 (0: any free port; the log says which). "
                        + "Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
                description = "Address to listen on: an IP address, a name of this machine, or * for all. "
                        + "Default: ${DEFAULT-VALUE}.")
        String bind;

        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = "${env:PORTER_LOG_DIR}",
                description = "Write Porter's log to DIR/porter.log, rolled daily and by size, old files gzipped and "
                        + "pruned (see docs/operations.md); warnings still go to stderr too. Default: $PORTER_LOG_DIR, "
                        + "else stderr only.")
        Path logDir;

        @Option(names = "--admin", paramLabel = "PORT",
                description = "Serve the admin endpoint (status page, /metrics, /health) on 127.0.0.1:PORT, 0-65535 "
                        + "(0: any free port; the log says which). Off by default.")
        Integer adminPort;

        @Option(names = "--drain-time", paramLabel = "SECONDS",
                description = "On SIGTERM/SIGINT, answer /health with 503 and keep serving for this long before "
                        + "stopping, so that a load balancer takes this node out first (0-3600). Default: porter.xml's "
                        + "<node drainTime>, else 5 with the admin endpoint on and 0 without it.")
        Integer drainSeconds;

        @Override
        public Integer call() throws Exception {
            logToDirectory(logDir);
            Path dir = appDir.toAbsolutePath().normalize();
            if (adminPort != null && (adminPort < 0 || adminPort > 65535)) {
                throw new ConfigException(dir, "--admin " + adminPort + " is out of range; allowed: 0-65535 (0: any "
                        + "free port).");
            }
            if (!Files.isDirectory(dir)) {
                throw new ConfigException(dir, "the application directory " + (Files.exists(dir) ? "is not a directory."
                        : "does not exist."));
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(dir, "--port " + port + " is out of range; allowed: 0-65535 (0: any free "
                        + "port).");
            }
            String address = bind.equals("*") ? "*" : literal(dir, bind);
            Path webConfig = dir.resolve("web.config");
            try {
                new WebConfigParser().parse(webConfig);
            } catch (ConfigException e) {
                // As in IIS: the server runs and the application answers 500 until its web.config is fixed (a change
                // is picked up without a restart).
                LOG.warn("The application's web.config cannot be used; requests will get 500 until it is fixed: {}",
                        e.getMessage());
            }
            ServerConfig config = new ServerConfig(webConfig,
                    List.of(new ServerConfig.Site("Default Web Site", 1,
                            List.of(new ServerConfig.Binding("http", address, port, "")),
                            List.of(new ServerConfig.Application("/", dir)),
                            new ServerConfig.LogFile(false, dir.resolve("logs")))),
                    RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
            AdministrationConfig admin = adminPort == null ? null
                    : AdministrationConfig.loopback(adminPort, "--admin " + adminPort);
            return serveUntilSignalled(config, admin, node(dir, NodeConfig.DEFAULTS.withDrainTime(null),
                    drainSeconds, null, admin));
        }

        private static String literal(Path dir, String bind) throws ConfigException {
            try {
                return InetAddress.getByName(bind).getHostAddress();
            } catch (UnknownHostException e) {
                throw new ConfigException(dir, "--bind '" + bind + "' is not an address of this machine; allowed: "
                        + "an IP address, a resolvable name, or *.");
            }
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve the sites of a server configuration file (applicationHost.config shape).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:stopped cleanly (SIGINT/SIGTERM)", "1:failed (for example a port is in use)",
                    "2:configuration or usage error"})
    static final class Serve implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<porter.xml>", description = "The server configuration file.")
        Path file;

        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = "${env:PORTER_LOG_DIR}",
                description = "Write Porter's log to DIR/porter.log, rolled daily and by size, old files gzipped and "
                        + "pruned (see docs/operations.md); warnings still go to stderr too. Default: $PORTER_LOG_DIR, "
                        + "else stderr only.")
        Path logDir;

        @Option(names = "--drain-time", paramLabel = "SECONDS",
                description = "On SIGTERM/SIGINT, answer /health with 503 and keep serving for this long before "
                        + "stopping, so that a load balancer takes this node out first (0-3600). Default: porter.xml's "
                        + "<node drainTime>, else 5 with the admin endpoint on and 0 without it.")
        Integer drainSeconds;

        @Option(names = "--node-dir", paramLabel = "DIR", defaultValue = "${env:PORTER_NODE_DIRECTORY}",
                description = "This node's own directory when several nodes serve one porter.xml from a share: "
                        + "Porter's log (unless --log-dir), access logs, shadow copies and temporary files go there. "
                        + "Default: $PORTER_NODE_DIRECTORY, else porter.xml's <node localDirectory>, else none.")
        Path nodeDir;

        @Override
        public Integer call() throws Exception {
            NodeConfig fromFile = new NodeConfigParser().parse(file, NodeConfig.DEFAULTS.withDrainTime(null));
            Path local = nodeDir != null && !nodeDir.toString().isEmpty() ? nodeDir.toAbsolutePath().normalize()
                    : fromFile.localDirectory();
            logToDirectory(logDir != null && !logDir.toString().isEmpty() ? logDir
                    : local == null ? null : local.resolve("logs"));
            ServerConfigParser parser = new ServerConfigParser();
            ServerConfig config = parser.parse(file);
            for (ServerConfig.Site site : config.sites()) {
                for (ServerConfig.Binding b : site.httpsBindings()) {
                    if (b.certificate() == null) {
                        LOG.warn("Site '{}': https binding {}:{}:{} is not served: it names no certificateFile (a "
                                + "Windows store's certificateHash means nothing here)", site.name(),
                                b.anyAddress() ? "*" : b.address(), b.port(), b.hostName());
                    }
                }
            }
            AdministrationConfig admin = new AdministrationConfigParser().parse(file).orElse(null);
            return serveUntilSignalled(config, admin, node(file, fromFile, drainSeconds, local, admin),
                    porter -> porter.reloadOnChange(file, parser));
        }
    }

    static void logToDirectory(Path logDir) throws ConfigException {
        if (logDir == null || logDir.toString().isEmpty()) {
            return;
        }
        if (LogFiles.toDirectory(logDir)) {
            LOG.info("{} logging to {}", new Version().getVersion()[0],
                    logDir.toAbsolutePath().normalize().resolve("porter.log"));
        } else {
            LOG.info("--log-dir {} is not used: the Logback configuration given with -Dlogback.configurationFile "
                    + "decides where the log goes", logDir);
        }
    }

    /**
     * The node settings: the command line's over porter.xml's; an unset drain time is 5 s when there is a /health to
     * watch (the admin endpoint) and 0 when there is none.
     */
    static NodeConfig node(Path origin, NodeConfig fromFile, Integer drainSeconds, Path localDirectory,
            AdministrationConfig admin) throws ConfigException {
        if (drainSeconds != null && (drainSeconds < 0 || drainSeconds > 3600)) {
            throw new ConfigException(origin, "--drain-time " + drainSeconds + " is out of range; allowed: 0-3600 "
                    + "(seconds).");
        }
        Duration drain = drainSeconds != null ? Duration.ofSeconds(drainSeconds)
                : fromFile.drainTime() != null ? fromFile.drainTime()
                : admin != null ? NodeConfig.DEFAULT_DRAIN_TIME : Duration.ZERO;
        return fromFile.withDrainTime(drain).withLocalDirectory(localDirectory);
    }

    /** Starts, then waits for SIGINT/SIGTERM and stops gracefully; 0 when that went well. */
    static int serveUntilSignalled(ServerConfig config, AdministrationConfig administration) {
        return serveUntilSignalled(config, administration, NodeConfig.DEFAULTS.withDrainTime(Duration.ZERO));
    }

    /** Starts a node, then waits for SIGINT/SIGTERM, drains and stops gracefully; 0 when that went well. */
    static int serveUntilSignalled(ServerConfig config, AdministrationConfig administration, NodeConfig node) {
        return serveUntilSignalled(config, administration, node, porter -> { });
    }

    /** What to do with a started server before waiting (watch porter.xml). */
    interface Started {
        void accept(Porter porter) throws IOException;
    }

    /** As the three-argument form, with {@code started} run once the server listens. */
    static int serveUntilSignalled(ServerConfig config, AdministrationConfig administration, NodeConfig node,
            Started started) {
        CountDownLatch stopRequested = new CountDownLatch(1);
        Signals.onTerminate(stopRequested::countDown);
        Porter porter;
        try {
            porter = Porter.start(config, administration, node);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("the admin endpoint")) {
                System.err.println("porter: " + e.getMessage());
                return EXIT_FAILURE;
            }
            System.err.println("porter: cannot listen on " + listenAddresses(config) + ": " + (isAddressInUse(e)
                    ? "the address is already in use (another process listens there; choose another port or stop it)"
                    : e.getMessage()));
            return EXIT_FAILURE;
        }
        try {
            started.accept(porter);
        } catch (IOException e) {
            LOG.warn("porter.xml changes will not apply live: cannot watch the file ({})", e.getMessage());
        }
        // If the JVM is ended some other way (System.exit elsewhere, a third signal), still stop the children.
        Thread hook = Thread.ofPlatform().unstarted(porter::stop);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        porter.drainThenStop();
        LOG.info("Stopped");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        return EXIT_OK;
    }

    /** The configured listen addresses, as {@code http://ip:port} (one per distinct address and port). */
    static String listenAddresses(ServerConfig config) {
        Set<String> addresses = new LinkedHashSet<>();
        for (ServerConfig.Site site : config.sites()) {
            List<ServerConfig.Binding> all = new java.util.ArrayList<>(site.bindings());
            all.addAll(site.servedHttpsBindings());
            for (ServerConfig.Binding b : all) {
                String host = b.anyAddress() ? "*" : b.address().contains(":") ? "[" + b.address() + "]" : b.address();
                addresses.add(b.protocol() + "://" + host + ":" + b.port());
            }
        }
        return String.join(", ", addresses);
    }

    private static boolean isAddressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || (t.getMessage() != null
                    && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PorterCommand.class.getPackage().getImplementationVersion();
            return new String[] {"Porter " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
