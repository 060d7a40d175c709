package dev.porter.hosting.servlet;

import dev.porter.integration.PorterIntegration;
import dev.porter.integration.servlet.PorterServletFilter;
import jakarta.servlet.DispatcherType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Porter's WAR runner: a WAR out-of-process ({@code arguments="-war app.war"} with
 * {@code hostingModel="outofprocess"}; Porter rewrites the command line to this class). The same Jetty ee11
 * deployment as in-process, listening on {@code 127.0.0.1:$ASPNETCORE_PORT} (8080 standalone), at the application's
 * virtual path ({@code ASPNETCORE_APPL_PATH}), with Porter's integration filter ahead of the app's filters (pairing
 * token, forwarded client, user, certificate, shutdown request → graceful stop).
 */
public final class WarRunner {

    private WarRunner() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: WarRunner <app.war or folder with WEB-INF/>");
            System.exit(2);
        }
        Path war = Path.of(args[0]).toAbsolutePath();
        ServletAppShape shape = new ServletAppShape(ServletAppShape.Kind.WAR, war, args[0], Map.of());
        try {
            WarDeployment.check(shape);
        } catch (DeploymentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        InetSocketAddress address = PorterIntegration.listenAddress(8080);
        String path = System.getenv().getOrDefault("ASPNETCORE_APPL_PATH", "/");
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false); // as in-process: the same headers and error pages both ways
        config.setSendXPoweredBy(false);
        config.addCustomizer(new ForwardedSchemeCustomizer(System.getenv("ASPNETCORE_TOKEN")));
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost(address.getAddress().getHostAddress());
        connector.setPort(address.getPort());
        server.addConnector(connector);
        WebAppContext context = WarDeployment.context(shape, path.isEmpty() ? "/" : path);
        context.addFilter(new FilterHolder(new PorterServletFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.setStopAtShutdown(true);
        PorterIntegration.onShutdown(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.exit(1);
            }
        });
        server.start();
        server.join();
    }
}
