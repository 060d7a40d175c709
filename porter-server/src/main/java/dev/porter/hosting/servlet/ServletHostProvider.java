package dev.porter.hosting.servlet;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;

/**
 * The one entry point of Porter's Servlet host (module {@code porter-servlet-host}), found with
 * {@link java.util.ServiceLoader} in the host's own class-loader layer ({@link ServletHostLayer}): the front server
 * never names a Jetty or Servlet class. Implementations create one {@link ApplicationHandler} per application
 * incarnation; like every {@link dev.porter.hosting.HostingModelFactory}, {@code create} must not block.
 */
public interface ServletHostProvider {

    ApplicationHandler create(ApplicationContext context, ServletAppShape shape);
}
