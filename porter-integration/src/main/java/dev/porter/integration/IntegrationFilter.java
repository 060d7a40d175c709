package dev.porter.integration;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.porter.integration.internal.Outcome;
import dev.porter.httpcontext.PathBase;
import dev.porter.integration.internal.RequestRules;
import dev.porter.integration.internal.ShutdownCoordinator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;

/**
 * The integration as a {@code com.sun.net.httpserver} filter (spec/ancm-contract.md §2.1–2.3): splits off the path
 * base, applies X-Forwarded-*, answers 400 to a request without the right pairing token and 202 to the module's
 * shutdown message, and hands everything else on as an {@link IntegratedExchange}.
 *
 * <p>Stateless apart from its configuration: one instance serves all contexts and threads.
 */
final class IntegrationFilter extends Filter {
    private final RequestRules rules;
    private final ShutdownCoordinator shutdown;

    IntegrationFilter(RequestRules rules, ShutdownCoordinator shutdown) {
        this.rules = rules;
        this.shutdown = shutdown;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        String rawPath = exchange.getRequestURI().getRawPath();
        PathBase pathBase = PathBase.split(rules.settings().pathBase(), rawPath == null ? "" : rawPath);
        Outcome outcome = rules.evaluate(new ExchangeRequest(exchange), pathBase);
        switch (outcome.action()) {
            case REJECT:
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            case SHUTDOWN:
                // close() flushes the 202 before the stop can begin.
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
                shutdown.trigger();
                return;
            default:
                chain.doFilter(new IntegratedExchange(exchange, outcome));
        }
    }

    @Override
    public String description() {
        return "Porter integration: path base, X-Forwarded-*, pairing token, shutdown event, client certificate, user";
    }

    /** The container's exchange as {@link RequestRules} sees it. */
    private static final class ExchangeRequest implements RequestRules.Request {
        private final HttpExchange exchange;

        ExchangeRequest(HttpExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public String method() {
            return exchange.getRequestMethod();
        }

        @Override
        public String header(String name) {
            return exchange.getRequestHeaders().getFirst(name);
        }

        @Override
        public List<String> headers(String name) {
            List<String> values = exchange.getRequestHeaders().get(name);
            return values == null ? Collections.emptyList() : values;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return exchange.getRemoteAddress();
        }

        @Override
        public String scheme() {
            return exchange instanceof HttpsExchange ? "https" : "http";
        }
    }

    /** Standalone and in-process: the integration has nothing to do. */
    static final class PassThrough extends Filter {
        @Override
        public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
            chain.doFilter(exchange);
        }

        @Override
        public String description() {
            return "Porter integration (inactive: not behind Porter out-of-process)";
        }
    }
}
