package dev.porter.integration.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.integration.LogCapture;
import dev.porter.integration.PorterOptions;
import dev.porter.integration.TestCertificates;
import dev.porter.integration.internal.ShutdownCoordinator;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PorterServletFilterTest {
    private static final String TOKEN = "5d1e0c7a-aaaa-4bbb-8ccc-dddddddddddd";

    private final CountDownLatch exited = new CountDownLatch(1);
    private final ShutdownCoordinator shutdown = new ShutdownCoordinator(exited::countDown);
    private final AtomicReference<ServletRequest> seen = new AtomicReference<>();

    private static Map<String, String> env(String applPath) {
        Map<String, String> env = new HashMap<>();
        env.put("ASPNETCORE_PORT", "31337");
        env.put("ASPNETCORE_APPL_PATH", applPath);
        env.put("ASPNETCORE_TOKEN", TOKEN);
        return env;
    }

    private FakeServlet.Response run(PorterServletFilter filter, FakeServlet.Request request) throws Exception {
        FakeServlet.Response response = new FakeServlet.Response();
        filter.doFilter(request.build(), response.build(), (req, res) -> seen.set(req));
        return response;
    }

    private PorterServletFilter filter(String applPath) {
        return new PorterServletFilter(PorterOptions.defaults(), env(applPath)::get, shutdown);
    }

    private HttpServletRequest seen() {
        return (HttpServletRequest) seen.get();
    }

    @Test
    void standaloneItPassesTheRequestItselfOn() throws Exception {
        PorterServletFilter filter = new PorterServletFilter(PorterOptions.defaults(),
                Collections.<String, String>emptyMap()::get, shutdown);
        assertThat(filter.isActive()).isFalse();
        FakeServlet.Request request = new FakeServlet.Request("GET", "/x");
        HttpServletRequest built = request.build();
        filter.doFilter(built, new FakeServlet.Response().build(), (req, res) -> seen.set(req));
        assertThat(seen.get()).isSameAs(built);
    }

    @Test
    void withoutTheTokenItAnswers400WithAnEmptyBodyAndTheAppNeverSeesIt() throws Exception {
        try (LogCapture log = new LogCapture()) {
            FakeServlet.Response missing = run(filter("/"), new FakeServlet.Request("GET", "/"));
            FakeServlet.Response wrong = run(filter("/"),
                    new FakeServlet.Request("GET", "/").header("MS-ASPNETCORE-TOKEN", "x"));
            assertThat(missing.status).isEqualTo(400);
            assertThat(missing.contentLength).isZero();
            assertThat(wrong.status).isEqualTo(400);
            assertThat(seen.get()).isNull();
            assertThat(log.records()).extracting(r -> r.getMessage()).containsOnly(
                    "'MS-ASPNETCORE-TOKEN' does not match the expected pairing token, request rejected.");
        }
    }

    @Test
    void withTheTokenTheAppSeesTheRequestWithoutTheToken() throws Exception {
        FakeServlet.Response response = run(filter("/"),
                new FakeServlet.Request("GET", "/x").header("MS-ASPNETCORE-TOKEN", TOKEN).header("Accept", "*/*"));
        assertThat(response.status).isEqualTo(200);
        assertThat(seen()).isInstanceOf(PorterServletRequest.class);
        assertThat(seen().getHeader("MS-ASPNETCORE-TOKEN")).isNull();
        assertThat(Collections.list(seen().getHeaderNames())).containsExactly("Accept");
        assertThat(seen().getContextPath()).isEmpty();
        assertThat(seen().getPathInfo()).isEqualTo("/x");
    }

    @Test
    void thePathBaseMovesIntoTheContextPath() throws Exception {
        run(filter("/app1"), new FakeServlet.Request("GET", "/app1/x/y").header("MS-ASPNETCORE-TOKEN", TOKEN));
        assertThat(seen().getContextPath()).isEqualTo("/app1");
        assertThat(seen().getServletPath()).isEmpty();
        assertThat(seen().getPathInfo()).isEqualTo("/x/y");
        assertThat(seen().getRequestURI()).isEqualTo("/app1/x/y");

        // a default-servlet ("/") mapping has the path in getServletPath
        run(filter("/app1"), new FakeServlet.Request("GET", "/APP1/z").set("getServletPath", "/APP1/z")
                .set("getPathInfo", null).header("MS-ASPNETCORE-TOKEN", TOKEN));
        assertThat(seen().getContextPath()).isEqualTo("/APP1");
        assertThat(seen().getServletPath()).isEqualTo("/z");
        assertThat(seen().getPathInfo()).isNull();
    }

    @Test
    void anAppDeployedAtTheBaseIsLeftAlone() throws Exception {
        run(filter("/app1"), new FakeServlet.Request("GET", "/app1/x").set("getContextPath", "/app1")
                .set("getPathInfo", "/x").header("MS-ASPNETCORE-TOKEN", TOKEN));
        assertThat(seen().getContextPath()).isEqualTo("/app1");
        assertThat(seen().getPathInfo()).isEqualTo("/x");
    }

    @Test
    void theShutdownMessageGets202AndStopsTheApp() throws Exception {
        FakeServlet.Response response = run(filter("/app1"), new FakeServlet.Request("POST", "/app1/iisintegration")
                .header("MS-ASPNETCORE-TOKEN", TOKEN).header("MS-ASPNETCORE-EVENT", "shutdown"));
        assertThat(response.status).isEqualTo(202);
        assertThat(response.contentLength).isZero();
        assertThat(response.flushed).isTrue();
        assertThat(seen.get()).isNull();
        assertThat(exited.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theShutdownMessageForAnAppDeployedAtTheBase() throws Exception {
        FakeServlet.Response response = run(filter("/app1"), new FakeServlet.Request("POST", "/app1/iisintegration")
                .set("getContextPath", "/app1").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-EVENT", "shutdown"));
        assertThat(response.status).isEqualTo(202);
    }

    @Test
    void aLookalikeShutdownReachesTheApp() throws Exception {
        run(filter("/"), new FakeServlet.Request("GET", "/iisintegration")
                .header("MS-ASPNETCORE-TOKEN", TOKEN).header("MS-ASPNETCORE-EVENT", "shutdown"));
        assertThat(seen.get()).isNotNull();
        assertThat(shutdown.triggered()).isFalse();
    }

    @Test
    void forwardedHeadersFromLoopbackSetClientSchemeAndUrl() throws Exception {
        run(filter("/"), new FakeServlet.Request("GET", "/x").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("Host", "example.com").header("X-Forwarded-For", "10.0.0.5:50000")
                .header("X-Forwarded-Proto", "https"));
        assertThat(seen().getRemoteAddr()).isEqualTo("10.0.0.5");
        assertThat(seen().getRemoteHost()).isEqualTo("10.0.0.5");
        assertThat(seen().getRemotePort()).isEqualTo(50000);
        assertThat(seen().getScheme()).isEqualTo("https");
        assertThat(seen().isSecure()).isTrue();
        assertThat(seen().getServerPort()).isEqualTo(443);
        assertThat(seen().getRequestURL().toString()).isEqualTo("https://example.com/x");
        assertThat(seen().getHeader("X-Forwarded-For")).isNull();
        assertThat(seen().getHeader("X-Original-For")).isEqualTo("127.0.0.1:40000");
        assertThat(seen().getHeader("x-original-proto")).isEqualTo("http");
    }

    @Test
    void forwardedHeadersFromElsewhereAreIgnored() throws Exception {
        run(filter("/"), new FakeServlet.Request("GET", "/x").set("getRemoteAddr", "192.0.2.7")
                .header("MS-ASPNETCORE-TOKEN", TOKEN).header("X-Forwarded-For", "10.0.0.5:50000")
                .header("X-Forwarded-Proto", "https"));
        assertThat(seen().getRemoteAddr()).isEqualTo("192.0.2.7");
        assertThat(seen().getScheme()).isEqualTo("http");
        assertThat(seen().isSecure()).isFalse();
        assertThat(seen().getHeader("X-Forwarded-For")).isEqualTo("10.0.0.5:50000");
        assertThat(seen().getHeader("X-Original-For")).isNull();
    }

    @Test
    void theCertificateAndUserAreTheRequests() throws Exception {
        run(filter("/"), new FakeServlet.Request("GET", "/").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-CLIENTCERT", TestCertificates.headerValue())
                .header("MS-ASPNETCORE-USER", "alice").header("MS-ASPNETCORE-AUTH-TYPE", "Basic"));
        X509Certificate[] chain = (X509Certificate[]) seen().getAttribute("jakarta.servlet.request.X509Certificate");
        assertThat(chain).containsExactly(TestCertificates.clientCertificate());
        assertThat(Collections.list(seen().getAttributeNames())).contains("jakarta.servlet.request.X509Certificate");
        assertThat(seen().getUserPrincipal().getName()).isEqualTo("alice");
        assertThat(seen().getRemoteUser()).isEqualTo("alice");
        assertThat(seen().getAuthType()).isEqualTo("Basic");
    }

    @Test
    void optionsTurnCertificateAndUserOff() throws Exception {
        PorterServletFilter filter = new PorterServletFilter(PorterOptions.defaults()
                .withForwardClientCertificate(false).withAutomaticAuthentication(false), env("/")::get, shutdown);
        run(filter, new FakeServlet.Request("GET", "/").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-CLIENTCERT", TestCertificates.headerValue())
                .header("MS-ASPNETCORE-USER", "alice"));
        assertThat(seen().getAttribute("jakarta.servlet.request.X509Certificate")).isNull();
        assertThat(seen().getUserPrincipal()).isNull();
    }
}
