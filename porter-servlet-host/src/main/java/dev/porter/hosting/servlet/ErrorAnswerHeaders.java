package dev.porter.hosting.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.FilterMapping;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;

/**
 * Keeps the headers a Spring Boot app set before {@code sendError} on the error page's answer, as Boot's Tomcat does
 * out-of-process. Tomcat keeps every header across {@code sendError} and the error dispatch; Jetty clears its "content"
 * headers first ({@code ServletContextResponse.resetContent}), among them {@code Vary}, {@code Cache-Control} and
 * {@code Expires}, which describe the answer to this request rather than the body being replaced: Spring MVC 6.2's
 * {@code Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers} on a 404, Spring Security's
 * {@code Cache-Control: no-cache, ...} on a 401. Without this the same jar answered differently in-process.
 *
 * <p>The first filter of the context: when the request's dispatch leaves an error status (a {@code sendError}), the
 * kept headers are noted on the request; the error dispatch adds back those the error page has
 * not set itself. The body's own headers ({@code Content-*}, {@code ETag}, {@code Last-Modified}) are the error
 * page's, as on Tomcat where the page overwrites them.
 *
 * <p>Threading: a filter, called on the request's thread; state lives in the request.
 */
final class ErrorAnswerHeaders implements Filter {

    /** The headers Jetty clears before an error dispatch that Tomcat keeps and that describe the whole answer. */
    static final List<String> KEPT = List.of("Vary", "Cache-Control", "Expires");

    private static final String ATTRIBUTE = ErrorAnswerHeaders.class.getName();

    /** Adds the filter in front of every other filter of the context, for requests and their error dispatch. */
    static void install(ServletContextHandler context) {
        FilterHolder holder = new FilterHolder(new ErrorAnswerHeaders());
        holder.setName("porter-error-answer-headers");
        holder.setAsyncSupported(true);
        context.getServletHandler().prependFilter(holder);
        context.getServletHandler().prependFilterMapping(mapping(holder));
    }

    private static FilterMapping mapping(FilterHolder holder) {
        FilterMapping mapping = new FilterMapping();
        mapping.setFilterName(holder.getName());
        mapping.setPathSpecs(new String[] {"/*"});
        mapping.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
        return mapping;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(response instanceof HttpServletResponse http)) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            restore(request, http);
            chain.doFilter(request, response);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            // Not isCommitted(): after sendError Jetty answers true ("pretend to be committed") until its error
            // dispatch. An answer really committed gets no error dispatch, so what is noted is then never used.
            if (http.getStatus() >= 400) {
                note(request, http);
            }
        }
    }

    private static void note(ServletRequest request, HttpServletResponse response) {
        Map<String, List<String>> kept = new LinkedHashMap<>();
        for (String name : KEPT) {
            List<String> values = new ArrayList<>(response.getHeaders(name));
            if (!values.isEmpty()) {
                kept.put(name, values);
            }
        }
        if (!kept.isEmpty()) {
            request.setAttribute(ATTRIBUTE, kept);
        }
    }

    private static void restore(ServletRequest request, HttpServletResponse response) {
        if (!(request.getAttribute(ATTRIBUTE) instanceof Map<?, ?> kept)) {
            return;
        }
        request.removeAttribute(ATTRIBUTE);
        kept.forEach((name, values) -> {
            if (!response.containsHeader((String) name)) {
                for (Object value : (List<?>) values) {
                    response.addHeader((String) name, (String) value);
                }
            }
        });
    }
}
