package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a farm node's settings from porter.xml: {@code <system.applicationHost><node drainTime="00:00:05"
 * localDirectory="/var/lib/porter/node" changePolling="auto" pollInterval="500" />} and {@code <forwarding
 * trustedProxies="10.0.0.0/8, 127.0.0.1" />}. Kept apart from {@link ServerConfigParser} (as
 * {@link AdministrationConfigParser} is) so the server's configuration record keeps its shape. {@code localDirectory}
 * is expanded ({@code %HOSTNAME%}), so one shared porter.xml can name a directory per node.
 */
public final class NodeConfigParser {

    private static final Set<String> NODE_ATTRIBUTES = Set.of("drainTime", "localDirectory", "changePolling",
            "pollInterval");
    private static final Set<String> FORWARDING_ATTRIBUTES = Set.of("trustedProxies");
    private static final Duration MAX_DRAIN = Duration.ofHours(1);

    private final EnvironmentExpander expander;

    public NodeConfigParser(EnvironmentExpander expander) {
        this.expander = expander;
    }

    public NodeConfigParser() {
        this(EnvironmentExpander.ofSystem());
    }

    /** The node settings of porter.xml; {@code defaults} where it says nothing. */
    public NodeConfig parse(Path file, NodeConfig defaults) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        XmlElement root = XmlReader.read(absolute);
        Optional<XmlElement> appHost = root.child("system.applicationHost");
        if (appHost.isEmpty()) {
            return defaults;
        }
        NodeConfig result = defaults;
        Optional<XmlElement> node = single(absolute, appHost.get(), "node");
        if (node.isPresent()) {
            XmlElement element = node.get();
            AttributeReader a = new AttributeReader(absolute, element).onlyKnown(NODE_ATTRIBUTES);
            Duration drain = a.timeSpan("drainTime", defaults.drainTime(), MAX_DRAIN);
            String local = a.string("localDirectory", null);
            Path localDirectory = defaults.localDirectory();
            if (local != null) {
                if (local.isBlank()) {
                    throw a.outOfRange("localDirectory", local, "a directory of this node's own (not on the share), "
                            + "absolute or relative to porter.xml's folder; %VARIABLES% are expanded");
                }
                localDirectory = AppPaths.resolve(absolute.getParent(), expander.expand(local));
            }
            String pollingText = a.string("changePolling", defaults.changePolling().name());
            NodeConfig.ChangePolling polling;
            try {
                polling = NodeConfig.ChangePolling.valueOf(pollingText.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw a.outOfRange("changePolling", pollingText, "auto (poll directories on network file systems), "
                        + "always or never");
            }
            long pollMillis = a.unsigned("pollInterval", defaults.pollInterval().toMillis(), 50, 60_000,
                    " (milliseconds)");
            result = new NodeConfig(drain, localDirectory, polling, Duration.ofMillis(pollMillis),
                    defaults.trustedProxies(), absolute.getFileName() + " line " + element.line() + " <node>");
        }
        Optional<XmlElement> forwarding = single(absolute, appHost.get(), "forwarding");
        if (forwarding.isPresent()) {
            AttributeReader a = new AttributeReader(absolute, forwarding.get()).onlyKnown(FORWARDING_ATTRIBUTES);
            String value = a.string("trustedProxies", "");
            TrustedProxies trusted;
            try {
                trusted = TrustedProxies.parse(value);
            } catch (IllegalArgumentException e) {
                throw ConfigException.attributeProblem(absolute, forwarding.get(), "trustedProxies",
                        e.getMessage() + ".");
            }
            result = new NodeConfig(result.drainTime(), result.localDirectory(), result.changePolling(),
                    result.pollInterval(), trusted, result.origin());
        }
        return result;
    }

    private static Optional<XmlElement> single(Path file, XmlElement parent, String name) throws ConfigException {
        List<XmlElement> found = parent.children(name);
        if (found.size() > 1) {
            throw ConfigException.invalidElement(file, found.get(1), "a second <" + name + "> (the first is on line "
                    + found.getFirst().line() + ").");
        }
        return found.stream().findFirst();
    }
}
