package dev.porter.integration.internal;

import java.util.Optional;
import java.util.function.Function;

/**
 * What the module told this process through its environment (spec/ancm-contract.md §1.2, §2.1): the port to listen
 * on, the application's virtual path and the pairing token. Present only when all three are non-empty, exactly the
 * rule by which ASP.NET Core's IIS integration decides to do anything at all; otherwise the app runs standalone (or
 * in-process, where Porter applies the path base itself and sends no token).
 *
 * <p>Not API: public only so the servlet package can share it. Immutable, safe to share between threads.
 */
public final class IntegrationSettings {
    public static final String PORT_VARIABLE = "ASPNETCORE_PORT";
    public static final String APPL_PATH_VARIABLE = "ASPNETCORE_APPL_PATH";
    public static final String TOKEN_VARIABLE = "ASPNETCORE_TOKEN";

    private final int port;
    private final String pathBase;
    private final String token;

    private IntegrationSettings(int port, String pathBase, String token) {
        this.port = port;
        this.pathBase = pathBase;
        this.token = token;
    }

    /**
     * Reads the three variables through {@code environment} (the real one is {@code System::getenv}; tests pass a map).
     *
     * @throws IllegalStateException if all three are set but the port is not a port number: the module would never
     *     send that, so running standalone instead would hide a broken launch.
     */
    public static Optional<IntegrationSettings> from(Function<String, String> environment) {
        String port = environment.apply(PORT_VARIABLE);
        String applPath = environment.apply(APPL_PATH_VARIABLE);
        String token = environment.apply(TOKEN_VARIABLE);
        if (isEmpty(port) || isEmpty(applPath) || isEmpty(token)) {
            return Optional.empty();
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            portNumber = -1;
        }
        if (portNumber < 0 || portNumber > 65535) {
            throw new IllegalStateException(PORT_VARIABLE + " is '" + port + "', not a TCP port number (0-65535)");
        }
        return Optional.of(new IntegrationSettings(portNumber, normalizePathBase(applPath), token));
    }

    /** The port to bind on 127.0.0.1 (0 lets the OS choose, which only tests do). */
    public int port() {
        return port;
    }

    /** The path base without a trailing slash: {@code ""} for a site root ({@code /}), else e.g. {@code /app1}. */
    public String pathBase() {
        return pathBase;
    }

    /**
     * The pairing token every request must carry in {@code MS-ASPNETCORE-TOKEN}. Never log it except in §2.2's line.
     */
    public String token() {
        return token;
    }

    /** {@code /} means no base (ASP.NET's UsePathBase ignores it too); a missing leading slash is added. */
    static String normalizePathBase(String applPath) {
        String base = applPath.trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (!base.isEmpty() && !base.startsWith("/")) {
            base = "/" + base;
        }
        return base;
    }

    private static boolean isEmpty(String value) {
        return value == null || value.isEmpty();
    }

    @Override
    public String toString() {
        // The token is left out on purpose: settings end up in debug output.
        return "IntegrationSettings[port=" + port + ", pathBase=" + pathBase + "]";
    }
}
