package dev.porter.hosting.servlet;

import java.net.URLClassLoader;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;

/**
 * WebSocket for a Spring Boot app in-process. Out-of-process Boot's Tomcat puts a Jakarta WebSocket
 * {@code ServerContainer} into the servlet context when the app ships one ({@code spring-boot-starter-websocket}
 * brings {@code tomcat-embed-websocket}); in-process Porter's Jetty does the same, so Spring WebSocket's standard
 * upgrade strategy (Jakarta WebSocket 2.1's {@code upgradeHttpToWebSocket}) and {@code @ServerEndpoint}s exported by
 * Spring find a container. The app's {@code jakarta.websocket} API is then the host's
 * ({@link BootDeployment#fromHost}), so the container and the app agree on one API. An app without WebSocket on its
 * class path gets none (nothing to start).
 *
 * <p>Threading: called once per deployment, before the app's Jetty {@code Server} starts.
 */
final class BootWebSocket {

    private static final String API_CLASS = "jakarta/websocket/server/ServerContainer.class";

    private BootWebSocket() {
    }

    /** Adds Jetty's Jakarta WebSocket container to the context when one of the app's jars holds the API. */
    static void configureIfShipped(ServletContextHandler context, URLClassLoader loader) {
        if (loader.findResource(API_CLASS) != null) {
            JakartaWebSocketServletContainerInitializer.configure(context, null);
        }
    }
}
