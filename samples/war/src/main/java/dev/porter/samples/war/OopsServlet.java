package dev.porter.samples.war;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /throw} throws an {@link IllegalStateException}; web.xml's {@code <error-page>} sends it to {@code /oops},
 * which names what was thrown.
 */
@WebServlet({"/throw", "/oops"})
public final class OopsServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getServletPath().equals("/throw")) {
            throw new IllegalStateException("thrown on purpose");
        }
        Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().write("oops: " + (thrown == null ? "nothing" : ((Throwable) thrown).getMessage()));
    }
}
