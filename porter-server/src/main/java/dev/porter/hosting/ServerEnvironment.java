package dev.porter.hosting;

import dev.porter.config.EnvironmentExpander;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The server process's environment (the IIS worker's environment block), which children inherit and {@code %VAR%}
 * expands against, with the module-level knobs ANCM reads from it. Names compare case-insensitively, as on Windows.
 */
public final class ServerEnvironment {

    private final Map<String, String> variables;
    private final TreeMap<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    public ServerEnvironment(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
        this.folded.putAll(variables);
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
