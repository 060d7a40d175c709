package dev.porter.samples.servlet;

import dev.porter.integration.PorterIntegration;
import dev.porter.integration.servlet.PorterServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A Servlet app on embedded Jetty 12 (ee10) with {@link PorterServletFilter}: standalone on port 8080 (or the first
 * argument), behind Porter out-of-process on {@code 127.0.0.1:$ASPNETCORE_PORT} with the token check. The module's
 * shutdown message ends in {@code System.exit(0)}, which runs Jetty's stop-at-shutdown hook: a graceful stop.
 *
 * <p>{@code GET /hello} answers {@code hello}; any other path a short text with what the servlet API reports.
 */
public final class ServletApp {
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    private ServletApp() {
    }

    public static void main(String[] args) throws Exception {
        // One line per log record in the stdout log Porter captures (the JDK default takes two); -D wins.
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        int standalonePort = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        InetSocketAddress address = PorterIntegration.listenAddress(standalonePort);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(address.getAddress().isAnyLocalAddress() ? null : address.getAddress().getHostAddress());
        connector.setPort(address.getPort());
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new PorterServletFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new InfoServlet()), "/*");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("Servlet sample listening on " + connector.getHost() + ":" + connector.getLocalPort()
                + (PorterIntegration.isBehindPorter() ? " behind Porter (out-of-process)" : ""));
        server.join();
    }

    /** Answers on any thread of Jetty's pool; holds no state. */
    static final class InfoServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain; charset=utf-8");
            String pathInfo = request.getPathInfo() == null ? "/" : request.getPathInfo();
            String text;
            if (pathInfo.equals("/hello")) {
                text = "hello";
            } else {
                X509Certificate[] certificates =
                        (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
                text = "Hello from Porter servlet sample\n"
                        + "context path: " + request.getContextPath() + "\n"
                        + "path info: " + pathInfo + "\n"
                        + "client: " + request.getRemoteAddr() + ":" + request.getRemotePort() + "\n"
                        + "scheme: " + request.getScheme() + "\n"
                        + "url: " + request.getRequestURL() + "\n"
                        + "user: " + (request.getUserPrincipal() == null ? "(anonymous)"
                                : request.getUserPrincipal().getName()) + "\n"
                        + "certificate: " + (certificates == null ? "(none)"
                                : certificates[0].getSubjectX500Principal().getName()) + "\n";
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }
}
