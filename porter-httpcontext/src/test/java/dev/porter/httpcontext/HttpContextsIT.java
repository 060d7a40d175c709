package dev.porter.httpcontext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpContexts} against the JDK's own server: the same app's contexts set up on a real
 * {@code com.sun.net.httpserver.HttpServer}, and on a second one whose single root context routes through
 * {@link HttpContexts} (as porter-integration's server does, and as the in-process host does from the front server),
 * must answer every request alike: routing by the longest string prefix, 404 and 500, filters before the
 * authenticator, the authenticator's principal, and the exceptions of the context methods.
 */
class HttpContextsIT {
    /** What {@link HttpContexts#serve} reported for each routed exchange (the JDK's attributes are the context's). */
    private static final Map<HttpExchange, HttpPrincipal> ROUTED_PRINCIPALS =
            Collections.synchronizedMap(new WeakHashMap<>());

    private HttpServer jdk;
    private HttpServer routed;
    private HttpContexts contexts;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        jdk = HttpServer.create(loopback, 0);
        routed = HttpServer.create(loopback, 0);
        contexts = new HttpContexts(() -> routed);
        routed.createContext("/", exchange -> {
            HttpContext context = contexts.find(exchange.getRequestURI().getPath());
            if (context == null || context.getHandler() == null) {
                exchange.sendResponseHeaders(context == null ? 404 : 500, -1);
                exchange.close();
                return;
            }
            HttpContexts.serve(context, exchange, principal -> ROUTED_PRINCIPALS.put(exchange, principal));
        });
        jdk.start();
        routed.start();
    }

    @AfterEach
    void stop() {
        jdk.stop(0);
        routed.stop(0);
    }

    /** The app: the same calls on either server. */
    private static void install(Function<String, HttpContext> bare, ContextFactory withHandler) {
        withHandler.create("/", echo("root"));
        withHandler.create("/api", echo("api"));
        withHandler.create("/api/v2", echo("v2"));
        bare.apply("/later"); // a context whose handler the app never set
        HttpContext secure = withHandler.create("/secure", echo("secure"));
        secure.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                exchange.getResponseHeaders().set("X-Filter-Saw", String.valueOf(principalOf(exchange)));
                chain.doFilter(exchange);
            }

            @Override
            public String description() {
                return "records the principal the filter sees";
            }
        });
        secure.setAuthenticator(new BasicAuthenticator("porter") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return "alice".equals(user) && "secret".equals(password);
            }
        });
    }

    private interface ContextFactory {
        HttpContext create(String path, HttpHandler handler);
    }

    private static HttpHandler echo(String name) {
        return exchange -> {
            byte[] body = (name + " " + exchange.getRequestURI().getPath() + " " + principalOf(exchange))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        };
    }

    /** The JDK's exchange carries the principal itself; the routed one gets it from {@link HttpContexts#serve}. */
    private static String principalOf(HttpExchange exchange) {
        HttpPrincipal principal = exchange.getPrincipal();
        if (principal == null) {
            principal = ROUTED_PRINCIPALS.get(exchange);
        }
        return principal == null ? "none" : principal.getName();
    }

    private String answer(HttpServer server, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(authorization.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        // The bodies of 404 and 500 are the server's own words, not a rule of the contexts.
        String body = response.statusCode() == 404 || response.statusCode() == 500 ? "" : response.body();
        return response.statusCode() + " " + response.headers().firstValue("WWW-Authenticate").orElse("-") + " "
                + response.headers().firstValue("X-Filter-Saw").orElse("-") + " " + body;
    }

    @Test
    void routesFiltersAndAuthenticatesAsTheJdksServer() throws Exception {
        install(jdk::createContext, jdk::createContext);
        install(contexts::create, contexts::create);
        List<String> paths = List.of("/", "/x", "/api", "/api/x", "/apix", "/api/v2/y", "/api/v", "/API/x", "/later",
                "/laterx", "/secure", "/secure/x", "/secured");
        for (String path : paths) {
            for (String credentials : new String[] {null, "alice:secret", "alice:wrong"}) {
                assertThat(answer(routed, path, credentials)).as("%s as %s", path, credentials)
                        .isEqualTo(answer(jdk, path, credentials));
            }
        }
        // Spot checks that the comparison compared something: the rules as written in HttpContexts.
        assertThat(answer(routed, "/apix", null)).isEqualTo("200 - - api /apix none");
        assertThat(answer(routed, "/api/v2/y", null)).isEqualTo("200 - - v2 /api/v2/y none");
        assertThat(answer(routed, "/later", null)).startsWith("500 ");
        assertThat(answer(routed, "/secure", null)).isEqualTo("401 Basic realm=\"porter\", charset=\"UTF-8\" none ");
        assertThat(answer(routed, "/secure", "alice:wrong")).startsWith("401 ");
        assertThat(answer(routed, "/secure/x", "alice:secret")).isEqualTo("200 - none secure /secure/x porter:alice");
    }

    @Test
    void withoutAContextForThePathTheAnswerIs404() throws Exception {
        jdk.createContext("/api", echo("api"));
        contexts.create("/api", echo("api"));
        assertThat(answer(routed, "/other", null)).startsWith("404 ").isEqualTo(answer(jdk, "/other", null));
        jdk.removeContext("/api");
        contexts.remove("/api");
        assertThat(answer(routed, "/api", null)).startsWith("404 ").isEqualTo(answer(jdk, "/api", null));
    }

    @Test
    void theAuthenticatorIsNotOneOfTheAppsFilters() {
        HttpContext own = contexts.create("/a", echo("a"));
        HttpContext theJdks = jdk.createContext("/a", echo("a"));
        for (HttpContext context : List.of(own, theJdks)) {
            context.setAuthenticator(new BasicAuthenticator("r") {
                @Override
                public boolean checkCredentials(String user, String password) {
                    return false;
                }
            });
        }
        assertThat(own.getFilters()).isEmpty();
        assertThat(theJdks.getFilters()).isEmpty();
        assertThat(own.getServer()).isSameAs(routed);
        assertThat(own.getPath()).isEqualTo("/a");
    }

    @Test
    void theContextMethodsFailAsTheJdksDo() {
        jdk.createContext("/a", echo("a"));
        contexts.create("/a", echo("a"));
        HttpContext foreignToJdk = new HttpContexts(() -> routed).create("/f", echo("f"));
        HttpContext foreignToContexts = HttpServerOf.other().createContext("/f");
        List<Call> calls = List.of(
                new Call("duplicate", () -> jdk.createContext("/a"), () -> contexts.create("/a")),
                new Call("relative", () -> jdk.createContext("a", echo("a")), () -> contexts.create("a", echo("a"))),
                new Call("empty", () -> jdk.createContext(""), () -> contexts.create("")),
                new Call("null path", () -> jdk.createContext(null), () -> contexts.create(null)),
                new Call("null handler", () -> jdk.createContext("/b", null), () -> contexts.create("/b", null)),
                new Call("remove unknown", () -> jdk.removeContext("/none"), () -> contexts.remove("/none")),
                new Call("remove foreign", () -> jdk.removeContext(foreignToJdk),
                        () -> contexts.remove(foreignToContexts)));
        for (Call call : calls) {
            Throwable expected = catchThrowable(call.jdk::run);
            Throwable actual = catchThrowable(call.ours::run);
            assertThat(expected).as(call.name).isNotNull();
            assertThat(actual).as(call.name).isNotNull().hasSameClassAs(expected).hasMessage(expected.getMessage());
        }
    }

    private record Call(String name, Runnable jdk, Runnable ours) {
    }

    /** A JDK server that is never started, for a context that belongs to another server. */
    private static final class HttpServerOf {
        static HttpServer other() {
            try {
                return HttpServer.create();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
