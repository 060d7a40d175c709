package dev.porter.hosting.inprocess;

import dev.porter.hosting.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ErrorResponses;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;

/** {@code hostingModel="inprocess"}: the app loaded into an app domain of the server's own JVM. */
public final class InProcessHosting implements HostingModelFactory {

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        // Placeholder until in-process hosting lands: an honest 500.0 rather than a hang.
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                ErrorResponses.send(exchange, context, AncmError.IN_PROCESS_HOSTING_FAILURE,
                        "In-process hosting is not available in this build.", null);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
