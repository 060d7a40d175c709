package dev.porter.server.admission;

import dev.porter.config.ServerConfig;
import dev.porter.server.AuthenticatedUser;
import dev.porter.server.Exchange;
import dev.porter.server.errors.ErrorPages;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front server's access checks, between routing/limits and the application (DESIGN.md's pipeline: request
 * limits, authentication, app): IIS's {@code access sslFlags} (a plain http request where {@code Ssl} is required gets
 * 403.4; a TLS request without a client certificate where {@code SslRequireCert} is set gets 403.7), then
 * {@code authentication}: with anonymous access off, a request without valid credentials gets 401 with a challenge per
 * enabled scheme (401.2 without credentials, 401.1 with wrong ones); with anonymous on, credentials are optional but,
 * when sent for an enabled scheme, must be right. The authenticated user is set on the exchange.
 *
 * <p>Password checks are deliberately slow (bcrypt: milliseconds to a tenth of a second each), so verified
 * {@code Authorization} values are remembered, as IIS caches logon tokens: keyed by a SHA-256 digest of the header
 * (the cache holds no password), for {@link #VERIFIED_TTL} (IIS's {@code UserTokenTTL} default), at most
 * {@value #CACHE_LIMIT} of them. A check in progress is shared: the requests that arrive with the same header while it
 * runs (an HTTP/2 client's first burst: dozens of streams at once) wait for that one check instead of each starting
 * its own, which would cost a bcrypt per stream. A failed check is never remembered beyond the requests that shared
 * it. The cache lives as long as this instance: a server that reads its configuration (and the htpasswd file) again
 * gets a new one. Password checks run on virtual threads, then the exchange continues on its event loop. One
 * instance per server; thread-safe.
 */
public final class FrontSecurity {

    private static final Logger LOG = LoggerFactory.getLogger(FrontSecurity.class);

    static final int CACHE_LIMIT = 10_000;
    static final Duration VERIFIED_TTL = Duration.ofMinutes(15);
    private static final FastThreadLocal<MessageDigest> SHA_256 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-256");
        }
    };

    /** One check of one {@code Authorization} value: in progress, or done (a user, or null for refused). */
    private record Verification(CompletableFuture<AuthenticatedUser> user, long startedNanos) {
    }

    /**
     * The checks of a server without {@code <security>}: every request passes unchecked, anonymous. Holds no threads
     * (closing it does nothing), so one instance serves every such server.
     */
    public static final FrontSecurity OPEN = new FrontSecurity(ServerConfig.Security.DEFAULTS);

    private final ServerConfig.Access access;
    private final boolean anonymous;
    private final boolean open;
    private final List<Authenticator> authenticators;
    private final ConcurrentHashMap<String, Verification> verified = new ConcurrentHashMap<>();
    private final ExecutorService verifiers;
    /** How old a remembered check is, in {@link System#nanoTime} units. */
    private final LongSupplier clock;

    public FrontSecurity(ServerConfig.Security security) {
        this(security, authenticators(security), System::nanoTime);
    }

    public FrontSecurity(ServerConfig.Security security, List<Authenticator> authenticators, LongSupplier clock) {
        this.access = security.access();
        this.anonymous = security.authentication().anonymous();
        this.authenticators = List.copyOf(authenticators);
        this.clock = clock;
        this.open = !access.requireSsl() && !access.requireCert() && anonymous && this.authenticators.isEmpty();
        this.verifiers = authenticators.isEmpty() ? null
                : Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("porter-authentication-", 0).factory());
    }

    private static List<Authenticator> authenticators(ServerConfig.Security security) {
        List<Authenticator> list = new ArrayList<>();
        if (security.authentication().basic().enabled()) {
            list.add(new BasicAuthenticator(security.authentication().basic()));
        }
        return list;
    }

    /** Whether every request passes unchecked (the common case: nothing to do per request). */
    public boolean isOpen() {
        return open;
    }

    /**
     * Checks the exchange; runs {@code admitted} (on the event loop) with the user it proved (empty: anonymous) when it
     * may proceed, else answers it. Called on the exchange's event loop.
     */
    public void check(Exchange exchange, Consumer<Optional<AuthenticatedUser>> admitted) {
        if (access.requireSsl() && !exchange.isSecure()) {
            deny(exchange, HttpResponseStatus.FORBIDDEN, 4, null,
                    "SSL is required to view this resource (access sslFlags Ssl): use https.");
            return;
        }
        if (access.requireCert() && exchange.isSecure() && exchange.clientCertificate().isEmpty()) {
            deny(exchange, HttpResponseStatus.FORBIDDEN, 7, null,
                    "A client certificate is required (access sslFlags SslRequireCert).");
            return;
        }
        String authorization = exchange.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        Authenticator authenticator = authorization == null ? null : authenticatorFor(authorization);
        if (authenticator == null) {
            if (anonymous) {
                admitted.accept(Optional.empty());
            } else {
                deny(exchange, HttpResponseStatus.UNAUTHORIZED, 2, challenges(exchange),
                        "Credentials are required (authentication: anonymous access is disabled).");
            }
            return;
        }
        CompletableFuture<AuthenticatedUser> user = verify(authenticator, authorization);
        if (user.state() == Future.State.SUCCESS) {
            admit(exchange, user.resultNow(), admitted); // the common case: remembered, no hop off the loop
            return;
        }
        // (a client that left while its password was checked is not admitted)
        exchange.resumeWhen(user, (result, failure) -> admit(exchange, result, admitted));
    }

    private void admit(Exchange exchange, AuthenticatedUser user, Consumer<Optional<AuthenticatedUser>> admitted) {
        if (user == null) {
            deny(exchange, HttpResponseStatus.UNAUTHORIZED, 1, challenges(exchange), "The credentials are not valid.");
            return;
        }
        admitted.accept(Optional.of(user));
    }

    /**
     * The user an {@code Authorization} value proves (null: none): remembered, in progress (shared), or a new check on
     * a virtual thread. Never fails exceptionally. Called on event loops; never blocks.
     */
    CompletableFuture<AuthenticatedUser> verify(Authenticator authenticator, String authorization) {
        String key = digest(authorization);
        while (true) {
            Verification known = verified.get(key);
            if (known != null) {
                if (clock.getAsLong() - known.startedNanos() < VERIFIED_TTL.toNanos()) {
                    return known.user();
                }
                verified.remove(key, known); // expired: check the password again
                continue;
            }
            if (verified.size() >= CACHE_LIMIT) {
                verified.values().removeIf(v -> v.user().isDone()); // checks in progress stay shared
            }
            Verification mine = new Verification(new CompletableFuture<>(), clock.getAsLong());
            if (verified.putIfAbsent(key, mine) != null) {
                continue; // another request started the same check a moment ago: share it
            }
            try {
                verifiers.execute(() -> check(authenticator, authorization, key, mine));
            } catch (RejectedExecutionException e) { // the server is stopping
                verified.remove(key, mine);
                mine.user().complete(null);
            }
            return mine.user();
        }
    }

    /** On a virtual thread: the password check itself. */
    private void check(Authenticator authenticator, String authorization, String key, Verification mine) {
        AuthenticatedUser user;
        try {
            user = authenticator.authenticate(authorization);
        } catch (RuntimeException e) {
            LOG.warn("{} authentication failed with an error", authenticator.scheme(), e);
            user = null;
        }
        if (user == null) {
            verified.remove(key, mine); // refused: only the requests that shared this check learn it
        }
        mine.user().complete(user);
    }

    /** SHA-256 of the header as a 32-char string: a cheap map key that is not the password. */
    private static String digest(String authorization) {
        MessageDigest sha = SHA_256.get();
        byte[] hash = sha.digest(authorization.getBytes(StandardCharsets.UTF_8));
        return new String(hash, StandardCharsets.ISO_8859_1);
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
        FullHttpResponse response = ErrorPages.response(status, detail, false);
        if (challenges != null) {
            for (String challenge : challenges) {
                response.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
            }
        }
        exchange.setSubStatus(subStatus);
        exchange.respond(response);
    }

    public void close() {
        if (verifiers != null) {
            verifiers.shutdownNow();
        }
    }
}
