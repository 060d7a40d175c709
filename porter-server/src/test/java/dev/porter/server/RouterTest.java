package dev.porter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Router}: binding (port, address, Host; most specific first, as http.sys orders them), then application by the
 * longest virtual-path prefix on a segment boundary, case-insensitively.
 */
class RouterTest {

    private static ServerConfig.Site site(String name, List<String> apps, String... bindings) {
        return new ServerConfig.Site(name, name.hashCode(), Arrays.stream(bindings).map(b -> {
            int last = b.lastIndexOf(':');
            int first = b.lastIndexOf(':', last - 1); // ip:port:host, where ip may be an IPv6 literal
            return new ServerConfig.Binding("http", b.substring(0, first),
                    Integer.parseInt(b.substring(first + 1, last)), b.substring(last + 1));
        }).toList(), apps.stream().map(p -> new ServerConfig.Application(p, Path.of("/srv" + p))).toList(),
                new ServerConfig.LogFile(false, Path.of("/logs")));
    }

    private static final Router ROUTER = new Router(List.of(
            site("anyHost", List.of("/", "/api", "/api/v2"), "*:80:"),
            site("example", List.of("/"), "*:80:example.com"),
            site("loopback2", List.of("/"), "127.0.0.2:80:"),
            site("apiOnLoopback", List.of("/"), "127.0.0.1:80:api.example.com"),
            site("v6", List.of("/"), "::1:80:"),
            site("noRoot", List.of("/only"), "*:81:")),
            (s, a) -> exchange -> {
            });

    @ParameterizedTest(name = "{0} Host={1} {2} -> {3} {4}")
    @CsvSource(nullValues = "NULL", value = {
        // host-specific bindings win over any-host ones; Host compares without port, case and final dot
        "127.0.0.1:80, example.com,        /,         example,       /",
        "127.0.0.1:80, EXAMPLE.com:80,     /,         example,       /",
        "127.0.0.1:80, example.com.,       /,         example,       /",
        "127.0.0.1:80, other.com,          /,         anyHost,       /",
        "127.0.0.1:80, NULL,               /,         anyHost,       /",
        "127.0.0.1:80, '',                 /,         anyHost,       /",
        // an address-specific binding beats any-address for the same Host rule; host-specific beats both
        "127.0.0.2:80, other.com,          /,         loopback2,     /",
        "127.0.0.2:80, example.com,        /,         example,       /",
        "127.0.0.1:80, api.example.com,    /,         apiOnLoopback, /",
        "127.0.0.2:80, api.example.com,    /,         loopback2,     /",
        // IPv6 literal hosts
        "[::1]:80,     [::1]:80,           /,         v6,            /",
        "[::1]:80,     [::1],              /,         v6,            /",
        "127.0.0.1:80, [::1]:80,           /,         anyHost,       /",
        // applications: longest prefix on a segment boundary, case-insensitive
        "127.0.0.1:80, a,                  /api,      anyHost,       /api",
        "127.0.0.1:80, a,                  /api/,     anyHost,       /api",
        "127.0.0.1:80, a,                  /API/x,    anyHost,       /api",
        "127.0.0.1:80, a,                  /api/v2/x, anyHost,       /api/v2",
        "127.0.0.1:80, a,                  /Api/V2,   anyHost,       /api/v2",
        "127.0.0.1:80, a,                  /api/v20,  anyHost,       /api",
        "127.0.0.1:80, a,                  /apiary,   anyHost,       /",
        // no application, or no binding: nothing (the front server answers 404)
        "127.0.0.1:81, a,                  /other,    NULL,          NULL",
        "127.0.0.1:81, a,                  /only/x,   noRoot,        /only",
        "127.0.0.1:82, a,                  /,         NULL,          NULL",
    })
    void routes(String local, String host, String path, String site, String app) {
        int colon = local.lastIndexOf(':');
        String address = local.substring(0, colon).replace("[", "").replace("]", "");
        InetSocketAddress localAddress = new InetSocketAddress(address, Integer.parseInt(local.substring(colon + 1)));
        Optional<Route> routed = ROUTER.route(localAddress, host, path);
        if (site == null) {
            assertThat(routed).isEmpty();
        } else {
            Route route = routed.orElseThrow();
            assertThat(route.site().name()).isEqualTo(site);
            assertThat(route.application().path()).isEqualTo(app);
        }
    }

    @ParameterizedTest
    @CsvSource(quoteCharacter = '"', value = {
        "example.com, true", "example.com:8080, true", "127.0.0.1:80, true", "[::1], true", "[::1]:80, true",
        "'', true", "a:, true", "\"a b\", false", "a/b, false", "a@b, false", "a:8x, false", "a:123456, false",
        "[::1, false", "[zz], false", "a\\b, false"})
    void validatesHostHeaders(String host, boolean valid) {
        assertThat(Router.isValidHost(host == null ? "" : host)).as(host).isEqualTo(valid);
    }
}
