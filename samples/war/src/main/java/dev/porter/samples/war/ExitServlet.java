package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /exit?status=3}: calls {@code System.exit(status)}, as an app that gives up would. Standalone or
 * out-of-process its JVM ends; in Porter in-process only this app stops (and the next request starts it again).
 */
@WebServlet("/exit")
public final class ExitServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        String status = request.getParameter("status");
        System.exit(status == null ? 1 : Integer.parseInt(status));
    }
}
