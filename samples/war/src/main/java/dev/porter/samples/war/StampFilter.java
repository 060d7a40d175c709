package dev.porter.samples.war;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** An annotated filter on every request: stamps {@code X-Filtered} on the response. */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public final class StampFilter extends HttpFilter {

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader("X-Filtered", "yes");
        chain.doFilter(request, response);
    }
}
