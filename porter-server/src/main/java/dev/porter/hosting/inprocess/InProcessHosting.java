package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.porter.hosting.ancm.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ancm.ErrorResponses;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;

/**
 * {@code hostingModel="inprocess"}: each application is loaded into its own {@link AppDomain} inside the server's JVM
 * and reached through the JDK's {@code com.sun.net.httpserver} API, served by Porter's {@link InProcessServerProvider}.
 * Creating the factory makes sure that provider is the JVM's (it must be chosen before anything asks for one).
 */
public final class InProcessHosting implements HostingModelFactory {

    static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";

    public InProcessHosting() {
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, InProcessServerProvider.class.getName());
        }
    }

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        ApplicationHandler servlet = ServletDispatch.handlerFor(context); // WARs and Spring Boot jars
        if (servlet != null) {
            return servlet;
        }
        if (!(HttpServerProvider.provider() instanceof InProcessServerProvider)) {
            String why = "The JVM's HttpServerProvider is " + HttpServerProvider.provider().getClass().getName()
                    + ", chosen before Porter could install its own (" + InProcessServerProvider.class.getName()
                    + "): in-process apps cannot be served. Remove -D" + PROVIDER_PROPERTY
                    + " or the other provider from the server's class path.";
            return new ApplicationHandler() {
                @Override
                public void handle(Exchange exchange) {
                    ErrorResponses.send(exchange, context, AncmError.IN_PROCESS_HOSTING_FAILURE, why, null);
                }

                @Override
                public CompletableFuture<Void> stop(StopReason reason) {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
        return new InProcessHandler(context);
    }
}
