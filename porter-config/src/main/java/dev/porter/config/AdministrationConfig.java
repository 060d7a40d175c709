package dev.porter.config;

import java.nio.file.Path;

/**
 * Porter's admin endpoint (status page, {@code /metrics}, {@code /health}): off unless porter.xml has
 * {@code <system.applicationHost><administration bindingInformation="127.0.0.1:9090:"/>} or {@code porter run} is
 * given {@code --admin <port>}. It has no IIS twin (IIS Manager is a separate service); the shapes follow IIS's:
 * a {@code bindingInformation} and, for Basic authentication, the same htpasswd {@code userFile} as
 * {@code basicAuthentication}.
 *
 * @param address {@code *} (every address) or a literal IP address (IPv6 without brackets)
 * @param port 0-65535; 0: a port the OS picks (the log says which)
 * @param authentication Basic authentication of every page but {@code /health}; {@link
 *     ServerConfig.BasicAuthentication#DISABLED} for none
 * @param origin where it was configured, for messages ({@code porter.xml line 12 <administration>} or
 *     {@code --admin})
 */
public record AdministrationConfig(String address, int port, ServerConfig.BasicAuthentication authentication,
        String origin) {

    /** Loopback only, no authentication: what {@code porter run --admin <port>} asks for. */
    public static AdministrationConfig loopback(int port, String origin) {
        return new AdministrationConfig("127.0.0.1", port, ServerConfig.BasicAuthentication.DISABLED, origin);
    }

    public boolean anyAddress() {
        return address.equals("*");
    }

    /** Where the htpasswd file is, or null. */
    public Path userFile() {
        return authentication.userFile();
    }
}
