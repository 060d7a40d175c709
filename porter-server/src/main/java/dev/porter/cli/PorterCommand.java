package dev.porter.cli;

import dev.porter.Porter;
import dev.porter.config.ConfigException;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.config.ServerConfigParser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code porter}: the command line. Exit codes: 0 after a clean stop (SIGINT/SIGTERM included), 2 for a configuration
 * error (the message says which file, element, attribute and what is allowed), 1 for anything else.
 */
@Command(name = "porter", mixinStandardHelpOptions = true, versionProvider = PorterCommand.Version.class,
        description = "Porter: the IIS + ASP.NET Core Module hosting system for the JVM.",
        subcommands = {PorterCommand.Run.class, PorterCommand.Serve.class})
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
            e.getCommandLine().getErr().println("porter: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return EXIT_CONFIG;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_CONFIG;
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Serve the one application in <appDir> (its web.config) at '/': the IIS Express experience.")
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<appDir>", description = "The application directory (holds web.config).")
        Path appDir;

        @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (0: any free port). "
                + "Default: ${DEFAULT-VALUE}.")
        int port;

        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (* for all). "
                + "Default: ${DEFAULT-VALUE}.")
        String bind;

        @Override
        public Integer call() throws Exception {
            Path dir = appDir.toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new ConfigException(dir, "the application directory does not exist.");
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(dir, "--port " + port + " is out of range; allowed: 0-65535.");
            }
            String address = bind.equals("*") ? "*" : literal(dir, bind);
            ServerConfig config = new ServerConfig(dir.resolve("web.config"),
                    List.of(new ServerConfig.Site("Default Web Site", 1,
                            List.of(new ServerConfig.Binding("http", address, port, "")),
                            List.of(new ServerConfig.Application("/", dir)),
                            new ServerConfig.LogFile(false, dir.resolve("logs")))),
                    RequestLimits.DEFAULTS, ServerConfig.WebLimits.DEFAULTS);
            return serveUntilSignalled(config);
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
            description = "Serve the sites of a server configuration file (applicationHost.config shape).")
    static final class Serve implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "<porter.xml>", description = "The server configuration file.")
        Path file;

        @Override
        public Integer call() throws Exception {
            return serveUntilSignalled(new ServerConfigParser().parse(file));
        }
    }

    /** Starts, then waits for SIGINT/SIGTERM and stops gracefully; 0 when that went well. */
    static int serveUntilSignalled(ServerConfig config) throws IOException {
        CountDownLatch stopRequested = new CountDownLatch(1);
        Signals.onTerminate(stopRequested::countDown);
        Porter porter;
        try {
            porter = Porter.start(config);
        } catch (IOException e) {
            System.err.println("porter: cannot listen: " + e.getMessage());
            return EXIT_FAILURE;
        }
        // If the JVM is ended some other way (System.exit elsewhere, a third signal), still stop the children.
        Thread hook = Thread.ofPlatform().unstarted(porter::stop);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Stopping: no new connections; letting requests in flight finish");
        porter.stop();
        LOG.info("Stopped");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        return EXIT_OK;
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
