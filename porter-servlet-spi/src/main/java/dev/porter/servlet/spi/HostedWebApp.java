package dev.porter.servlet.spi;

import jakarta.servlet.ServletContext;

/** An application's servlet context deployed in Porter's Servlet host. */
public interface HostedWebApp {

    ServletContext servletContext();

    /** The app is ready: requests held while it started flow now. */
    void start();

    /** The app stops its web server (its context is closing). */
    void stop();

    /**
     * What Porter closes first when it recycles or stops the app (for Spring Boot: the application context, which then
     * stops this web app and runs the app's shutdown callbacks).
     */
    void closeWith(AutoCloseable application);
}
