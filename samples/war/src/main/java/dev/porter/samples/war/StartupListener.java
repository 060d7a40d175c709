package dev.porter.samples.war;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.nio.charset.StandardCharsets;

/**
 * Marks the context as started. When the WAR holds {@code WEB-INF/slow-start} (a test adds it) it takes that many
 * milliseconds to start, so the host's {@code startupTimeLimit} can be seen at work.
 */
@WebListener
public final class StartupListener implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        event.getServletContext().setAttribute("listener", "started");
        try (var in = event.getServletContext().getResourceAsStream("/WEB-INF/slow-start")) {
            if (in != null) {
                Thread.sleep(Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
