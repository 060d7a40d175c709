package dev.porter.integration;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import dev.porter.integration.internal.ForwardedHeaders;
import dev.porter.integration.internal.Outcome;
import dev.porter.integration.internal.RequestRules;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The exchange the app's filters and handler see behind Porter: the container's exchange with the path base taken off
 * {@link #getRequestURI()}, the forwarded client as {@link #getRemoteAddress()}, the forwarded user as
 * {@link #getPrincipal()}, and request headers edited as ASP.NET's middleware leaves them (consumed
 * {@code X-Forwarded-*} entries removed, {@code X-Original-*} added, the pairing token removed so an app that echoes
 * headers cannot leak it). Everything about the response goes straight to the container's exchange.
 *
 * <p>Like any {@code HttpExchange}, used by one thread at a time: the one running the handler.
 */
final class IntegratedExchange extends HttpExchange {
    /** Lets {@link PorterIntegration}'s accessors find this exchange under wrappers that delegate attributes. */
    static final String ATTRIBUTE = "dev.porter.integration.exchange";

    private final HttpExchange delegate;
    private final Outcome outcome;
    private volatile HttpContext context;
    private volatile HttpPrincipal authenticated;
    private final Map<String, Object> attributes = new HashMap<>();
    private Headers requestHeaders;
    private URI requestUri;

    IntegratedExchange(HttpExchange delegate, Outcome outcome) {
        this.delegate = delegate;
        this.outcome = outcome;
    }

    /** The app's context, once {@link IntegratedServer} has routed the request to it. */
    void setHttpContext(HttpContext appContext) {
        this.context = appContext;
    }

    /** The principal the app's own {@code Authenticator} accepted. */
    void setPrincipal(HttpPrincipal principal) {
        this.authenticated = principal;
    }

    String pathBase() {
        return outcome.pathBase().base();
    }

    String scheme() {
        return outcome.scheme();
    }

    X509Certificate clientCertificate() {
        return outcome.certificate() == null ? null : outcome.certificate().get();
    }

    String originalFor() {
        return outcome.forwarded().originalFor();
    }

    String originalProto() {
        return outcome.forwarded().originalProto();
    }

    @Override
    public Headers getRequestHeaders() {
        if (requestHeaders == null) {
            requestHeaders = editedHeaders();
        }
        return requestHeaders;
    }

    private Headers editedHeaders() {
        Headers headers = new Headers();
        headers.putAll(delegate.getRequestHeaders());
        headers.remove(RequestRules.TOKEN_HEADER);
        ForwardedHeaders forwarded = outcome.forwarded();
        if (forwarded.forConsumed()) {
            replaceOrRemove(headers, ForwardedHeaders.X_FORWARDED_FOR, forwarded.remainingFor());
            headers.set(ForwardedHeaders.X_ORIGINAL_FOR, forwarded.originalFor());
        }
        if (forwarded.protoConsumed()) {
            replaceOrRemove(headers, ForwardedHeaders.X_FORWARDED_PROTO, forwarded.remainingProto());
            headers.set(ForwardedHeaders.X_ORIGINAL_PROTO, forwarded.originalProto());
        }
        return headers;
    }

    private static void replaceOrRemove(Headers headers, String name, String value) {
        if (value.isEmpty()) {
            headers.remove(name);
        } else {
            headers.set(name, value);
        }
    }

    @Override
    public URI getRequestURI() {
        if (requestUri == null) {
            URI original = delegate.getRequestURI();
            requestUri = outcome.pathBase().base().isEmpty() ? original
                    : outcome.pathBase().requestUri(Optional.ofNullable(original.getRawQuery()));
        }
        return requestUri;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return outcome.remoteAddress();
    }

    @Override
    public HttpPrincipal getPrincipal() {
        if (authenticated != null) {
            return authenticated;
        }
        if (outcome.user() != null) {
            String realm = outcome.authType() == null ? "Porter" : outcome.authType();
            return new HttpPrincipal(outcome.user(), realm);
        }
        return delegate.getPrincipal();
    }

    @Override
    public HttpContext getHttpContext() {
        HttpContext appContext = context;
        return appContext != null ? appContext : delegate.getHttpContext();
    }

    @Override
    public Object getAttribute(String name) {
        if (ATTRIBUTE.equals(name)) {
            return this;
        }
        Object value = attributes.get(name);
        return value != null ? value : delegate.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    @Override
    public String getRequestMethod() {
        return delegate.getRequestMethod();
    }

    @Override
    public Headers getResponseHeaders() {
        return delegate.getResponseHeaders();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public InputStream getRequestBody() {
        return delegate.getRequestBody();
    }

    @Override
    public OutputStream getResponseBody() {
        return delegate.getResponseBody();
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        delegate.sendResponseHeaders(rCode, responseLength);
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public int getResponseCode() {
        return delegate.getResponseCode();
    }

    @Override
    public String getProtocol() {
        return delegate.getProtocol();
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        delegate.setStreams(i, o);
    }

    @Override
    public String toString() {
        return "IntegratedExchange[" + getRequestMethod() + " " + getRequestURI() + "]";
    }
}
