package dev.porter;

import dev.porter.config.NodeConfig;
import dev.porter.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A farm node's own directory ({@code <node localDirectory>}): created at start, and the place where files that a
 * shared porter.xml would put beside itself on the share go instead, so that nodes never write the same file. Today
 * that is the W3C access logs: a site's {@code logFile directory} under porter.xml's folder (the default {@code logs}
 * included) is re-rooted under the node directory with the same relative path. Shadow copies and temporary files use
 * {@code ServerEnvironment.nodeDirectory()}; Porter's own log goes to {@code <node>/logs} unless {@code --log-dir}
 * says otherwise (the CLI's job).
 */
final class NodeDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);

    private NodeDirectory() {
    }

    /** {@code config} with its node-local paths moved under the node directory; as is when there is none. */
    static ServerConfig prepare(ServerConfig config, NodeConfig node) throws IOException {
        Path local = node.localDirectory();
        if (local == null) {
            return config;
        }
        Files.createDirectories(local);
        Files.createDirectories(local.resolve("tmp"));
        Path shared = config.file().toAbsolutePath().normalize().getParent();
        List<ServerConfig.Site> sites = new ArrayList<>();
        for (ServerConfig.Site site : config.sites()) {
            ServerConfig.LogFile log = site.logFile();
            Path directory = log.directory().toAbsolutePath().normalize();
            if (log.enabled() && shared != null && directory.startsWith(shared) && !directory.startsWith(local)) {
                Path moved = local.resolve(shared.relativize(directory));
                LOG.info("Site '{}': access log in the node directory {} (not on the shared {})", site.name(), moved,
                        directory);
                log = new ServerConfig.LogFile(true, moved, log.period(), log.truncateSize(), log.localTimeRollover());
            }
            sites.add(new ServerConfig.Site(site.name(), site.id(), site.bindings(), site.applications(), log,
                    site.httpsBindings()));
        }
        LOG.info("Node directory: {}", local);
        return new ServerConfig(config.file(), sites, config.requestLimits(), config.webLimits(), config.security());
    }
}
