package dev.porter.hosting.outofprocess;

import dev.porter.hosting.AncmError;
import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.ErrorResponses;
import dev.porter.hosting.HostingModelFactory;
import dev.porter.server.Exchange;
import java.util.concurrent.CompletableFuture;

/** {@code hostingModel="outofprocess"}: a process manager and a forwarder per application. */
public final class OutOfProcessHosting implements HostingModelFactory {

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        // Placeholder until the process manager lands: an honest 500.0 rather than a hang.
        return new ApplicationHandler() {
            @Override
            public void handle(Exchange exchange) {
                ErrorResponses.send(exchange, context, AncmError.OUT_OF_PROCESS_HOSTING_FAILURE,
                        "Out-of-process hosting is not available in this build.", null);
            }

            @Override
            public CompletableFuture<Void> stop(StopReason reason) {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
