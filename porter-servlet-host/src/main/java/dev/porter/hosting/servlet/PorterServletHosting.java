package dev.porter.hosting.servlet;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;

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
            case WAR, SPRING_BOOT_JAR -> new ServletAppHandler(context, shape, Shared.HOST);
        };
    }
}
