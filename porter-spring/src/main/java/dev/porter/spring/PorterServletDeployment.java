package dev.porter.spring;

import dev.porter.servlet.spi.HostedWebApp;
import dev.porter.servlet.spi.PorterServletHost;
import dev.porter.servlet.spi.WebAppSpec;
import jakarta.servlet.ServletContainerInitializer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The calls both starters' {@code PorterServletWebServerFactory} make into Porter's Servlet host in-process, once the
 * factory has read Boot's settings into a {@link WebAppSpec} (that reading stays in each starter: Boot 4 moved the
 * settings into {@code ServletWebServerSettings} and the factory interfaces to other packages). Called from Boot's
 * {@code getWebServer}, on the thread refreshing the application context, once per application incarnation.
 */
public final class PorterServletDeployment {

    private PorterServletDeployment() {
    }

    /**
     * Deploys the app's servlet context into the Servlet host serving it and starts it ({@code initializer} runs
     * inside this call, where Boot registers its {@code DispatcherServlet} and filters); names {@code ignoredSettings}
     * once in Porter's log; and lets Porter's recycle close {@code context} first, as Boot's shutdown hook would.
     * Requests flow once the returned app's {@link HostedWebApp#start()} is called.
     *
     * @throws IllegalStateException when no Servlet host serves this app (it is not in-process in Porter)
     * @throws Exception what the host's deployment threw
     */
    public static HostedWebApp deploy(WebAppSpec spec, ServletContainerInitializer initializer, String ignoredSettings,
            ApplicationContext context) throws Exception {
        PorterServletHost host = PorterServletHost.current();
        if (host == null) {
            throw new IllegalStateException("Porter's Servlet host is not serving this application");
        }
        host.ignoredSettings(ignoredSettings);
        HostedWebApp app = host.deploy(spec, initializer);
        if (context instanceof ConfigurableApplicationContext closeable) {
            app.closeWith(closeable);
        }
        return app;
    }

    /**
     * The app's settings that have no meaning in-process, where the front server owns the socket, TLS, the protocol
     * and compression: a comma-separated list for the log, empty when the app set none. Port 0 and Boot's default
     * 8080 count as not set.
     */
    public static String ignoredSettings(int port, InetAddress address, boolean ssl, boolean http2,
            boolean compression) {
        List<String> names = new ArrayList<>();
        if (port != 0 && port != PorterEnvironment.STANDALONE_PORT) {
            names.add("server.port=" + port);
        }
        if (address != null) {
            names.add("server.address=" + address.getHostAddress());
        }
        if (ssl) {
            names.add("server.ssl.*");
        }
        if (http2) {
            names.add("server.http2.enabled");
        }
        if (compression) {
            names.add("server.compression.*");
        }
        return String.join(", ", names);
    }

    /** Boot's {@code server.servlet.session.timeout} as {@link WebAppSpec#sessionTimeoutSeconds()}: -1 when unset. */
    public static int sessionTimeoutSeconds(Duration timeout) {
        return timeout == null ? -1 : (int) timeout.toSeconds();
    }
}
