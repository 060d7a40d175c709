package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /env?name=X}: the environment variable {@code X} as {@code System.getenv("X")} and as
 * {@code System.getenv().get("X")} see it, separated by {@code |} ({@code null} when unset): web.config's
 * {@code environmentVariables} reach the app through both.
 */
@WebServlet("/env")
public final class EnvServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String name = request.getParameter("name");
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().write(System.getenv(name) + "|" + System.getenv().get(name));
    }
}
