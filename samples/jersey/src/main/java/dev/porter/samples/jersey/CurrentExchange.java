package dev.porter.samples.jersey;

import com.sun.net.httpserver.HttpExchange;

/** The exchange a request thread is handling, for what JAX-RS does not expose (client address, path base). */
final class CurrentExchange {
    private static final ThreadLocal<HttpExchange> CURRENT = new ThreadLocal<>();

    private CurrentExchange() {
    }

    static void set(HttpExchange exchange) {
        CURRENT.set(exchange);
    }

    static void clear() {
        CURRENT.remove();
    }

    /** The exchange, or {@code null} outside a request (Jersey handling it on another thread). */
    static HttpExchange get() {
        return CURRENT.get();
    }
}
