package dev.porter.hosting.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.servlet.WebSocketUpgradeFilter;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Lets a request that cannot be a WebSocket handshake pass Jetty's {@link WebSocketUpgradeFilter} untouched. Jetty's
 * Jakarta WebSocket initializer puts that filter in front of every app whose class path holds the WebSocket server
 * (every WAR Porter hosts), before it knows of any endpoint, because endpoints may still be added while the app starts
 * and runs ({@code ServerContainer.addEndpoint}, Spring's exporter). The filter wraps every request and response in
 * core adapters before it asks whether the request is a handshake: about a twentieth of a servlet "hello"'s time.
 *
 * <p>Both of Jetty's handshakers (RFC 6455's {@code GET}, RFC 8441's {@code CONNECT}) answer "not a handshake" to a
 * request without a {@code Sec-WebSocket-Version} header, and the filter then only calls the rest of the chain: so
 * such a request goes to the rest of the chain here directly, and every other request through the filter as before.
 * Installed as a context bean, which Jetty asks to wrap each filter before its {@code init}
 * ({@link FilterHolder.WrapFunction}); the filter keeps its holder, name, mapping and configuration.
 *
 * <p>Threading: {@link #wrapFilter} on the app's start thread; the wrapper on request threads, stateless.
 */
final class WebSocketFilterShortcut implements FilterHolder.WrapFunction {

    private WebSocketFilterShortcut() {
    }

    /** Call before the context starts. */
    static void install(ServletContextHandler context) {
        context.addBean(new WebSocketFilterShortcut());
    }

    @Override
    public Filter wrapFilter(Filter filter) {
        return filter instanceof WebSocketUpgradeFilter ? new Shortcut(filter) : filter;
    }

    /** Whether the request may be a WebSocket handshake (a superset of what Jetty's handshakers accept). */
    static boolean mayBeHandshake(HttpServletRequest request) {
        return request.getHeader(HttpHeader.SEC_WEBSOCKET_VERSION.asString()) != null;
    }

    private static final class Shortcut extends FilterHolder.Wrapper {

        Shortcut(Filter upgradeFilter) {
            super(upgradeFilter);
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (request instanceof HttpServletRequest http && !mayBeHandshake(http)) {
                chain.doFilter(request, response);
                return;
            }
            super.doFilter(request, response, chain);
        }
    }
}
