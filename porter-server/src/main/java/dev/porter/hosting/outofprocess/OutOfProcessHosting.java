package dev.porter.hosting.outofprocess;

import dev.porter.hosting.ApplicationContext;
import dev.porter.hosting.ApplicationHandler;
import dev.porter.hosting.HostingModelFactory;

/**
 * {@code hostingModel="outofprocess"}: per application incarnation, a process manager with
 * {@code processesPerApplication} lazily started child processes and a forwarder per process. Creating the handler
 * starts nothing: the first request does.
 */
public final class OutOfProcessHosting implements HostingModelFactory {

    @Override
    public ApplicationHandler create(ApplicationContext context) {
        return new OutOfProcessHandler(context);
    }
}
