package dev.porter.samples.war;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import java.nio.charset.StandardCharsets;

/**
 * Marks the context as started. When the WAR holds {@code WEB-INF/slow-start} (a test adds it) it takes that many
 * milliseconds to start, so the host's {@code startupTimeLimit} can be seen at work. When it holds
 * {@code WEB-INF/exit-on-start} it publishes a weak reference to its class loader (as {@code GET /loader} does) and
 * calls {@code System.exit} with the status the file gives, as an app that gives up during its start would.
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
        try (var in = event.getServletContext().getResourceAsStream("/WEB-INF/exit-on-start")) {
            if (in != null) {
                LoaderServlet.jvmProperties().put("porter.sample.loader",
                        new java.lang.ref.WeakReference<>(StartupListener.class.getClassLoader()));
                System.exit(Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
