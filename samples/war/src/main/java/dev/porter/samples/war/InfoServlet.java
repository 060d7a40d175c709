package dev.porter.samples.war;

import jakarta.servlet.ServletContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;

/** {@code GET /info/...}: what the app sees of its request and of its own deployment, one {@code key=value} a line. */
@WebServlet("/info/*")
public final class InfoServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletContext context = request.getServletContext();
        response.setContentType("text/plain;charset=utf-8");
        PrintWriter out = response.getWriter();
        out.println("contextPath=" + request.getContextPath());
        out.println("servletPath=" + request.getServletPath());
        out.println("pathInfo=" + request.getPathInfo());
        out.println("queryString=" + request.getQueryString());
        out.println("method=" + request.getMethod());
        out.println("protocol=" + request.getProtocol());
        out.println("scheme=" + request.getScheme());
        out.println("secure=" + request.isSecure());
        out.println("remoteAddr=" + request.getRemoteAddr());
        out.println("host=" + request.getServerName());
        out.println("greeting=" + context.getInitParameter("greeting"));
        out.println("greetings=" + context.getAttribute("greetings"));
        out.println("listener=" + context.getAttribute("listener"));
        out.println("server=" + context.getServerInfo());
        out.println("servletApi=" + context.getEffectiveMajorVersion() + "." + context.getEffectiveMinorVersion());
        out.println("loader=" + Thread.currentThread().getContextClassLoader().getClass().getSimpleName());
        out.println("user=" + request.getRemoteUser());
        out.println("principal=" + (request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName()));
        out.println("authType=" + request.getAuthType());
        Object certificates = request.getAttribute("jakarta.servlet.request.X509Certificate");
        out.println("certificate=" + (certificates instanceof java.security.cert.X509Certificate[] c && c.length > 0
                ? c[0].getSubjectX500Principal().getName() : null));
    }
}
