package dev.porter.hosting.servlet;

import dev.porter.server.AuthenticatedUser;
import dev.porter.server.ClientTls;
import dev.porter.server.Exchange;
import java.security.Principal;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSession;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Optional;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Request;

/**
 * What the front server knows about a request that a servlet asks the container for: the user it authenticated
 * ({@code getUserPrincipal()}, {@code getRemoteUser()}, {@code getAuthType()}) and the TLS facts
 * ({@code jakarta.servlet.request.X509Certificate}, {@code .cipher_suite}, {@code .ssl_session_id}) — the in-process
 * twins of the {@code MS-ASPNETCORE-USER} and client-certificate headers an out-of-process app gets.
 *
 * <p>Threading: on the event loop, before the request's task runs.
 */
final class PorterIdentity {

    static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    private PorterIdentity() {
    }

    /** The front server's user, as a principal that is only a name. */
    record FrontUser(String getName) implements Principal {
    }

    /** Carries the front server's user from the transport to {@link FrontUserFilter}. */
    static final String USER_ATTRIBUTE = "dev.porter.servlet.frontUser";

    static void apply(Request request, Exchange exchange) {
        exchange.user().ifPresent(user -> request.setAttribute(USER_ATTRIBUTE, user));
        Optional<ClientTls> tls = exchange.tls();
        if (tls.isEmpty()) {
            return;
        }
        tls.get().clientCertificate().ifPresent(certificate ->
                request.setAttribute(CERTIFICATES, new X509Certificate[] {certificate}));
        SSLSession session = tls.get().session();
        request.setAttribute("jakarta.servlet.request.cipher_suite", session.getCipherSuite());
        request.setAttribute("jakarta.servlet.request.ssl_session_id",
                java.util.HexFormat.of().formatHex(session.getId()));
    }

    /**
     * First filter of the app's context, for every request: a request the front server authenticated is wrapped so
     * that {@code getUserPrincipal()}, {@code getRemoteUser()} and {@code getAuthType()} answer the front server's user
     * (the in-process twin of the integration filter's wrapper out-of-process).
     */
    static final class FrontUserFilter implements Filter {

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (request.getAttribute(USER_ATTRIBUTE) instanceof AuthenticatedUser user
                    && request instanceof HttpServletRequest http) {
                Principal principal = new FrontUser(user.name());
                request = new HttpServletRequestWrapper(http) {
                    @Override
                    public Principal getUserPrincipal() {
                        return principal;
                    }

                    @Override
                    public String getRemoteUser() {
                        return user.name();
                    }

                    @Override
                    public String getAuthType() {
                        return user.authenticationType();
                    }
                };
            }
            chain.doFilter(request, response);
        }
    }

    /** Adds {@link FrontUserFilter} ahead of the app's own filters (call before the context starts). */
    static void install(ServletContextHandler context) {
        FilterHolder holder = new FilterHolder(new FrontUserFilter());
        holder.setName("porterFrontUser");
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
    }
}
