package dev.porter.hosting.servlet.sessionapp;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * Not a test: a servlet a test copies into an exploded WAR. {@code GET /session-count} counts the requests of the
 * client's HTTP session (creating it); {@code ?invalidate} ends it; {@code ?peek} answers without creating one.
 */
@WebServlet("/session-count")
public final class SessionCountServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getParameter("peek") != null) {
            HttpSession existing = request.getSession(false);
            response.getWriter().print(existing == null ? "none" : String.valueOf(existing.getAttribute("count")));
            return;
        }
        HttpSession session = request.getSession(true);
        if (request.getParameter("invalidate") != null) {
            session.invalidate();
            response.getWriter().print("invalidated");
            return;
        }
        Integer count = (Integer) session.getAttribute("count");
        int next = count == null ? 1 : count + 1;
        session.setAttribute("count", next);
        response.getWriter().print(next);
    }
}
