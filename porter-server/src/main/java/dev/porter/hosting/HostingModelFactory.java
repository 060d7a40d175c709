package dev.porter.hosting;

/**
 * Creates the handler of one hosting model ({@code hostingModel="inprocess"} or {@code "outofprocess"}) for an
 * application whose web.config has just been read. Must not block: starting a process or a domain happens on the
 * first request the handler gets, not here.
 */
@FunctionalInterface
public interface HostingModelFactory {

    ApplicationHandler create(ApplicationContext context);
}
