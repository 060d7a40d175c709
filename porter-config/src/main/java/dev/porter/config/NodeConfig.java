package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one Porter node of a farm needs beyond the sites: read from porter.xml's
 * {@code <system.applicationHost><node>} and {@code <forwarding>} (Porter's own elements; IIS's web farms keep such
 * settings outside applicationHost.config), overridable per node on the command line, since several nodes share one
 * porter.xml.
 *
 * @param drainTime how long a node keeps serving after SIGTERM with its {@code /health} at 503, so that a load
 *     balancer takes it out of rotation before it stops accepting; zero stops at once
 * @param localDirectory the node's own directory for state that must not be shared (Porter's log, access logs that
 *     would land beside porter.xml, shadow copies, temporary files); null: none, everything stays where it is
 * @param changePolling how application directories are watched: by change notification (inotify), by polling, or
 *     chosen per directory by its file system
 * @param pollInterval how often a polled directory is listed
 * @param trustedProxies the peers whose forwarding fields are believed
 * @param origin where it was configured, for messages
 */
public record NodeConfig(Duration drainTime, Path localDirectory, ChangePolling changePolling, Duration pollInterval,
        TrustedProxies trustedProxies, String origin) {

    /**
     * A few seconds: longer than a balancer's check interval (HAProxy's default {@code inter} is 2 s), so that it sees
     * the 503 at least once, with {@code fall 1}, or twice at {@code inter 1s fall 2}, before the node stops accepting.
     */
    public static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(5);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);

    /** The defaults: a 5 s drain, no node directory, notification where it works, nobody trusted. */
    public static final NodeConfig DEFAULTS = new NodeConfig(DEFAULT_DRAIN_TIME, null, ChangePolling.AUTO,
            DEFAULT_POLL_INTERVAL, TrustedProxies.NONE, "defaults");

    public NodeConfig withDrainTime(Duration d) {
        return new NodeConfig(d, localDirectory, changePolling, pollInterval, trustedProxies, origin);
    }

    public NodeConfig withLocalDirectory(Path dir) {
        return new NodeConfig(drainTime, dir, changePolling, pollInterval, trustedProxies, origin);
    }

    /** {@code <node changePolling>}. */
    public enum ChangePolling {
        /** Poll directories on network file systems (NFS, SMB/CIFS, ...), where inotify misses other hosts' writes. */
        AUTO,
        /** Poll every application directory. */
        ALWAYS,
        /** Never poll: change notification everywhere. */
        NEVER
    }
}
