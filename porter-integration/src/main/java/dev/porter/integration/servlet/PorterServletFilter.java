package dev.porter.integration.servlet;

import dev.porter.integration.PorterIntegration;
import dev.porter.integration.PorterOptions;
import dev.porter.integration.internal.ForwardedHeaders;
import dev.porter.integration.internal.IntegrationSettings;
import dev.porter.integration.internal.Outcome;
import dev.porter.httpcontext.PathBase;
import dev.porter.integration.internal.RequestRules;
import dev.porter.integration.internal.ShutdownCoordinator;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Porter integration for Servlet apps (Spring Boot, Tomcat, Jetty): the same per-request rules as
 * {@link PorterIntegration}'s filter (spec/ancm-contract.md §2.1–2.3). Behind Porter out-of-process a request without
 * the right pairing token gets 400 with an empty body, the module's shutdown message gets 202 and stops the app
 * ({@link PorterIntegration#onShutdown(Runnable)}; by default {@code System.exit(0)}, which runs the container's and
 * Spring's shutdown hooks), and every other request reaches the app wrapped so that
 * <ul>
 *   <li>{@code getContextPath()} includes the path base ({@code /app1}) and {@code getServletPath()}/{@code getPathInfo()}
 *       exclude it, while {@code getRequestURI()} is unchanged, as servlet paths require;</li>
 *   <li>{@code getRemoteAddr()}/{@code getRemoteHost()}/{@code getRemotePort()}, {@code getScheme()}, {@code isSecure()}
 *       and {@code getRequestURL()} are the client's, from X-Forwarded-For/Proto of a loopback peer;</li>
 *   <li>the forwarded certificate is the attribute {@code jakarta.servlet.request.X509Certificate};</li>
 *   <li>the forwarded user is {@code getUserPrincipal()}/{@code getRemoteUser()}, its scheme {@code getAuthType()}.</li>
 * </ul>
 * Not behind Porter the filter passes requests on unchanged. Map it first, to {@code /*}, for all dispatcher types it
 * is given (only {@code REQUEST} is examined; later dispatches of a wrapped request keep the wrapper).
 *
 * <p>In a Spring Boot app, one bean adds it ahead of every other filter:
 * <pre>
 * &#64;Bean
 * FilterRegistrationBean&lt;PorterServletFilter&gt; porterIntegration() {
 *     FilterRegistrationBean&lt;PorterServletFilter&gt; registration = new FilterRegistrationBean&lt;&gt;(new PorterServletFilter());
 *     registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
 *     return registration;
 * }
 * </pre>
 * and, in {@code main}, listen where the module says ({@code 127.0.0.1:$ASPNETCORE_PORT}, else the standalone port):
 * <pre>{@code
 * InetSocketAddress address = PorterIntegration.listenAddress(8080);
 * SpringApplication app = new SpringApplication(MyApplication.class);
 * app.setDefaultProperties(Map.of("server.address", address.getAddress().getHostAddress(),
 *         "server.port", address.getPort()));
 * app.run(args);
 * }</pre>
 *
 * <p>Thread-safe: one instance serves all requests.
 */
public final class PorterServletFilter implements Filter {
    private final RequestRules rules;
    private final ShutdownCoordinator shutdown;

    /** With ANCM's default options; the form a container instantiates from {@code web.xml}. */
    public PorterServletFilter() {
        this(PorterOptions.defaults());
    }

    public PorterServletFilter(PorterOptions options) {
        this(options, System::getenv, ShutdownCoordinator.global());
    }

    PorterServletFilter(PorterOptions options, Function<String, String> environment, ShutdownCoordinator shutdown) {
        Objects.requireNonNull(options, "options");
        Optional<IntegrationSettings> settings = IntegrationSettings.from(environment);
        this.rules = settings.isPresent() ? new RequestRules(settings.get(), options) : null;
        this.shutdown = shutdown;
    }

    /** Whether this filter does anything (the process runs behind Porter out-of-process). */
    public boolean isActive() {
        return rules != null;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (rules == null || !(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)
                || request instanceof PorterServletRequest) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest servletRequest = (HttpServletRequest) request;
        HttpServletResponse servletResponse = (HttpServletResponse) response;
        PathSplit split = PathSplit.of(rules.settings().pathBase(), servletRequest);
        Outcome outcome = rules.evaluate(new ServletRequestView(servletRequest), split.pathBase);
        switch (outcome.action()) {
            case REJECT:
                // setStatus, not sendError: containers put an error page into sendError's body.
                servletResponse.setStatus(400);
                servletResponse.setContentLength(0);
                servletResponse.flushBuffer();
                return;
            case SHUTDOWN:
                servletResponse.setStatus(202);
                servletResponse.setContentLength(0);
                servletResponse.flushBuffer();
                shutdown.trigger();
                return;
            default:
                chain.doFilter(new PorterServletRequest(servletRequest, outcome, split.applyToContextPath), response);
        }
    }

    /**
     * Where the path base is: already the container's context path (the app was deployed at {@code /app1}), or at the
     * start of the request URI of a root-deployed app, which is the case the wrapper must rewrite.
     */
    private static final class PathSplit {
        final PathBase pathBase;
        final boolean applyToContextPath;

        private PathSplit(PathBase pathBase, boolean applyToContextPath) {
            this.pathBase = pathBase;
            this.applyToContextPath = applyToContextPath;
        }

        static PathSplit of(String configuredBase, HttpServletRequest request) {
            String contextPath = request.getContextPath() == null ? "" : request.getContextPath();
            String uri = request.getRequestURI() == null ? "" : request.getRequestURI();
            PathBase split = PathBase.split(configuredBase, uri);
            // A non-root context path was taken off by the container already; it is the base or unrelated to it.
            return new PathSplit(split, contextPath.isEmpty() && !split.base().isEmpty());
        }
    }

    /** The servlet request as {@link RequestRules} sees it. */
    private static final class ServletRequestView implements RequestRules.Request {
        private final HttpServletRequest request;

        ServletRequestView(HttpServletRequest request) {
            this.request = request;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String header(String name) {
            return request.getHeader(name);
        }

        @Override
        public List<String> headers(String name) {
            Enumeration<String> values = request.getHeaders(name);
            return values == null ? Collections.<String>emptyList() : Collections.list(values);
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return ForwardedHeaders.endpoint(request.getRemoteAddr(), request.getRemotePort());
        }

        @Override
        public String scheme() {
            return request.getScheme();
        }
    }
}
