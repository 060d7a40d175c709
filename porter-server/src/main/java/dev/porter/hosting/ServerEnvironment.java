package dev.porter.hosting;

import dev.porter.config.EnvironmentExpander;
import dev.porter.config.NodeConfig;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The server process's environment (the IIS worker's environment block), which children inherit and {@code %VAR%}
 * expands against, with the module-level knobs ANCM reads from it, the clock the hosting module measures its
 * windows with ({@link #clock()}: rapid-fail protection in both models) and the wall clock that dates the access
 * log ({@link #wallClock()}): Porter reads no process-wide clock a test would have to swap. Names compare
 * case-insensitively, as on Windows. Immutable.
 */
public final class ServerEnvironment {

    /** The variable that names the node's own directory ({@code <node localDirectory>}), when there is one. */
    public static final String NODE_DIRECTORY_VARIABLE = "PORTER_NODE_DIRECTORY";

    private final Map<String, String> variables;
    private final TreeMap<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final NodeConfig node;
    private final LongSupplier clock;
    private final InstantSource wallClock;

    public ServerEnvironment(Map<String, String> variables) {
        this(variables, NodeConfig.DEFAULTS, System::nanoTime, InstantSource.system());
    }

    private ServerEnvironment(Map<String, String> variables, NodeConfig node, LongSupplier clock,
            InstantSource wallClock) {
        this.variables = Map.copyOf(variables);
        this.folded.putAll(variables);
        this.node = node;
        this.clock = clock;
        this.wallClock = wallClock;
    }

    /**
     * This environment with another clock: a source of {@link System#nanoTime()}-like readings (only differences
     * between them mean anything). An embedder that runs Porter in simulated time, or a test that lets the rapid-fail
     * window pass without waiting for it, gives its own; the hosting module reads no other clock for its windows.
     */
    public ServerEnvironment withClock(LongSupplier nanoClock) {
        return new ServerEnvironment(variables, node, nanoClock, wallClock);
    }

    /**
     * This environment with another wall clock: what dates the access log's lines and picks their files (the day,
     * hour, week or month they roll over on). An embedder running Porter in simulated time gives its own, as a test
     * that crosses midnight without waiting for it does.
     */
    public ServerEnvironment withWallClock(InstantSource wallClock) {
        return new ServerEnvironment(variables, node, clock, wallClock);
    }

    /** The wall clock: {@link InstantSource#system()} unless {@link #withWallClock} gave another. */
    public InstantSource wallClock() {
        return wallClock;
    }

    /** The hosting module's clock in nanoseconds: {@link System#nanoTime()} unless {@link #withClock} gave another. */
    public LongSupplier clock() {
        return clock;
    }

    /**
     * This environment on a farm node: with a node directory, {@code PORTER_NODE_DIRECTORY} names it, so children
     * inherit it and web.config can say {@code stdoutLogFile="%PORTER_NODE_DIRECTORY%\logs\stdout"}, and
     * {@code TMPDIR} is its {@code tmp} folder (Java ignores TMPDIR: give a Java app
     * {@code -Djava.io.tmpdir=%PORTER_NODE_DIRECTORY%/tmp}).
     */
    public ServerEnvironment withNode(NodeConfig node) {
        Map<String, String> vars = new java.util.HashMap<>(variables);
        if (node.localDirectory() != null) {
            vars.put(NODE_DIRECTORY_VARIABLE, node.localDirectory().toString());
            vars.put("TMPDIR", node.localDirectory().resolve("tmp").toString()); // temporary files stay on the node
        }
        return new ServerEnvironment(vars, node, clock, wallClock);
    }

    /** The node's settings: how directories are watched, its own directory ({@link #nodeDirectory}). */
    public NodeConfig node() {
        return node;
    }

    /**
     * The node's own directory (not shared with other nodes): where shadow copies and temporary files of this node go.
     * Empty when none is configured; then such state stays beside the application, as on a single machine.
     */
    public Optional<Path> nodeDirectory() {
        return Optional.ofNullable(node.localDirectory());
    }

    public static ServerEnvironment ofSystem() {
        return new ServerEnvironment(System.getenv());
    }

    /** As inherited, names as the OS gave them. */
    public Map<String, String> variables() {
        return variables;
    }

    public Optional<String> get(String name) {
        return Optional.ofNullable(folded.get(name));
    }

    public EnvironmentExpander expander() {
        return new EnvironmentExpander(variables);
    }

    /**
     * Spec §3.5: detailed error pages when {@code ASPNETCORE_DETAILEDERRORS} is 1/true or
     * {@code ASPNETCORE_ENVIRONMENT}/{@code DOTNET_ENVIRONMENT} is Development, from this environment first and then
     * the application's environmentVariables.
     */
    public boolean detailedErrors(Map<String, String> appVariables) {
        TreeMap<String, String> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        merged.putAll(appVariables);
        merged.putAll(folded);
        String detailed = merged.getOrDefault("ASPNETCORE_DETAILEDERRORS", "").trim().toLowerCase(Locale.ROOT);
        return detailed.equals("1") || detailed.equals("true")
                || "development".equalsIgnoreCase(merged.getOrDefault("ASPNETCORE_ENVIRONMENT", "").trim())
                || "development".equalsIgnoreCase(merged.getOrDefault("DOTNET_ENVIRONMENT", "").trim());
    }

    /** {@code ANCM_ADDITIONAL_ERROR_PAGE_LINK}, for the error pages. */
    public String additionalErrorPageLink() {
        return folded.get("ANCM_ADDITIONAL_ERROR_PAGE_LINK");
    }
}
