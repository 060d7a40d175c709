package dev.porter.integration;

import java.util.Objects;

/**
 * Options of the integration, the twin of ASP.NET Core's {@code IISOptions} with the same defaults
 * (spec/ancm-contract.md §2.4): {@code automaticAuthentication} true, {@code authenticationDisplayName} null,
 * {@code forwardClientCertificate} true. Immutable; each {@code with...} returns a changed copy:
 *
 * <pre>{@code
 * PorterOptions options = PorterOptions.defaults().withForwardClientCertificate(false);
 * }</pre>
 *
 * <p>Safe to share between threads.
 */
public final class PorterOptions {
    private static final PorterOptions DEFAULTS = new PorterOptions(true, null, true);

    private final boolean automaticAuthentication;
    private final String authenticationDisplayName;
    private final boolean forwardClientCertificate;

    private PorterOptions(boolean automaticAuthentication, String authenticationDisplayName,
            boolean forwardClientCertificate) {
        this.automaticAuthentication = automaticAuthentication;
        this.authenticationDisplayName = authenticationDisplayName;
        this.forwardClientCertificate = forwardClientCertificate;
    }

    /** ANCM's defaults. */
    public static PorterOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Whether the user the front server authenticated becomes the request's principal
     * ({@code HttpExchange.getPrincipal()}, {@code HttpServletRequest.getUserPrincipal()}). When false the forwarded
     * {@code MS-ASPNETCORE-USER} header stays readable but nothing is set. Default true.
     */
    public boolean automaticAuthentication() {
        return automaticAuthentication;
    }

    /**
     * The name given to the forwarded authentication when the front server did not name its scheme: the realm of the
     * JDK principal and the servlet auth type. Default null (the JDK principal then uses {@code Porter}).
     */
    public String authenticationDisplayName() {
        return authenticationDisplayName;
    }

    /** Whether {@code MS-ASPNETCORE-CLIENTCERT} is turned into the request's client certificate. Default true. */
    public boolean forwardClientCertificate() {
        return forwardClientCertificate;
    }

    public PorterOptions withAutomaticAuthentication(boolean value) {
        return new PorterOptions(value, authenticationDisplayName, forwardClientCertificate);
    }

    public PorterOptions withAuthenticationDisplayName(String value) {
        return new PorterOptions(automaticAuthentication, value, forwardClientCertificate);
    }

    public PorterOptions withForwardClientCertificate(boolean value) {
        return new PorterOptions(automaticAuthentication, authenticationDisplayName, value);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof PorterOptions)) {
            return false;
        }
        PorterOptions that = (PorterOptions) other;
        return automaticAuthentication == that.automaticAuthentication
                && forwardClientCertificate == that.forwardClientCertificate
                && Objects.equals(authenticationDisplayName, that.authenticationDisplayName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(automaticAuthentication, authenticationDisplayName, forwardClientCertificate);
    }

    @Override
    public String toString() {
        return "PorterOptions[automaticAuthentication=" + automaticAuthentication + ", authenticationDisplayName="
                + authenticationDisplayName + ", forwardClientCertificate=" + forwardClientCertificate + "]";
    }
}
