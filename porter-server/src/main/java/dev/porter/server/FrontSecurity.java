package dev.porter.server;

import dev.porter.config.ServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The front server's access checks, between routing/limits and the application (DESIGN.md's pipeline: request
 * limits, authentication, app): IIS's {@code access sslFlags} (a plain http request where {@code Ssl} is required gets
 * 403.4; a TLS request without a client certificate where {@code SslRequireCert} is set gets 403.7), then
 * {@code authentication}: with anonymous access off, a request without valid credentials gets 401 with a challenge per
 * enabled scheme (401.2 without credentials, 401.1 with wrong ones); with anonymous on, credentials are optional but,
 * when sent for an enabled scheme, must be right. The authenticated user is set on the exchange.
 *
 * <p>Verified {@code Authorization} values are remembered (bounded), so a client that sends the same credentials on
 * every request pays bcrypt's cost once, not per request; a failed check is never remembered. Password checks run on
 * virtual threads, then the exchange continues on its event loop. One instance per server; thread-safe.
 */
final class FrontSecurity {

    private static final int CACHE_LIMIT = 10_000;

    private final ServerConfig.Access access;
    private final boolean anonymous;
    private final List<Authenticator> authenticators;
    private final ConcurrentHashMap<String, AuthenticatedUser> verified = new ConcurrentHashMap<>();
    private final ExecutorService verifiers;

    FrontSecurity(ServerConfig.Security security) {
        this.access = security.access();
        this.anonymous = security.authentication().anonymous();
        List<Authenticator> list = new ArrayList<>();
        if (security.authentication().basic().enabled()) {
            list.add(new BasicAuthenticator(security.authentication().basic()));
        }
        this.authenticators = List.copyOf(list);
        this.verifiers = list.isEmpty() ? null
                : Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("porter-authentication-", 0).factory());
    }

    /** Whether every request passes unchecked (the common case: nothing to do per request). */
    boolean isOpen() {
        return !access.requireSsl() && !access.requireCert() && anonymous && authenticators.isEmpty();
    }

    /**
     * Checks the exchange; runs {@code admitted} (on the event loop) when it may proceed, else answers it. Called on
     * the exchange's event loop.
     */
    void check(Exchange exchange, Runnable admitted) {
        if (access.requireSsl() && !exchange.isSecure()) {
            deny(exchange, HttpResponseStatus.FORBIDDEN, 4, null,
                    "SSL is required to view this resource (access sslFlags Ssl): use https.");
            return;
        }
        if (access.requireCert() && exchange.isSecure() && exchange.clientCertificate() == null) {
            deny(exchange, HttpResponseStatus.FORBIDDEN, 7, null,
                    "A client certificate is required (access sslFlags SslRequireCert).");
            return;
        }
        String authorization = exchange.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        Authenticator authenticator = authorization == null ? null : authenticatorFor(authorization);
        if (authenticator == null) {
            if (anonymous) {
                admitted.run();
            } else {
                deny(exchange, HttpResponseStatus.UNAUTHORIZED, 2, challenges(exchange),
                        "Credentials are required (authentication: anonymous access is disabled).");
            }
            return;
        }
        AuthenticatedUser known = verified.get(authorization);
        if (known != null) {
            exchange.authenticated(known);
            admitted.run();
            return;
        }
        verifiers.execute(() -> {
            AuthenticatedUser user;
            try {
                user = authenticator.authenticate(authorization);
            } catch (RuntimeException e) {
                ExchangeDispatcher.LOG.warn("{} authentication failed with an error", authenticator.scheme(), e);
                user = null;
            }
            AuthenticatedUser result = user;
            exchange.eventLoop().execute(() -> {
                if (exchange.isDone()) {
                    return; // the client left while its password was checked
                }
                if (result == null) {
                    deny(exchange, HttpResponseStatus.UNAUTHORIZED, 1, challenges(exchange),
                            "The credentials are not valid.");
                    return;
                }
                if (verified.size() >= CACHE_LIMIT) {
                    verified.clear();
                }
                verified.put(authorization, result);
                exchange.authenticated(result);
                admitted.run();
            });
        });
    }

    private Authenticator authenticatorFor(String authorization) {
        for (Authenticator a : authenticators) {
            if (a.accepts(authorization)) {
                return a;
            }
        }
        return null;
    }

    private List<String> challenges(Exchange exchange) {
        List<String> result = new ArrayList<>(authenticators.size());
        for (Authenticator a : authenticators) {
            result.add(a.challenge(exchange));
        }
        return result;
    }

    private static void deny(Exchange exchange, HttpResponseStatus status, int subStatus, List<String> challenges,
            String detail) {
        byte[] body = ErrorPages.simple(status, detail);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        ErrorPages.addHeaders(response, body.length);
        if (challenges != null) {
            for (String challenge : challenges) {
                response.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
            }
        }
        exchange.setSubStatus(subStatus);
        exchange.respond(response);
    }

    void close() {
        if (verifiers != null) {
            verifiers.shutdownNow();
        }
    }
}
