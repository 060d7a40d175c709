package dev.porter.hosting.servlet;

import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;

/**
 * The Servlet host's entry point, found by porter-server through {@code META-INF/services} in the host's class-loader
 * layer. The shared {@link ServletHost} is created with the first Servlet application.
 */
public final class PorterServletHosting implements ServletHostProvider {

    private static final class Shared {
        static final ServletHost HOST = new ServletHost();
    }

    @Override
    public ApplicationHandler create(ApplicationContext context, ServletAppShape shape) {
        return switch (shape.kind()) {
            case WAR -> new ServletApplication(context, shape, Shared.HOST);
            case SPRING_BOOT_JAR -> new ServletApplication(context, shape, Shared.HOST);
        };
    }

    private static ApplicationHandler answering(ApplicationContext context, AncmError error, String why) {
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                ErrorResponses.send(exchange, context, error, why, null);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
