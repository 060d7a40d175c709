package dev.porter.springboot3;

import dev.porter.servlet.spi.HostedWebApp;
import dev.porter.servlet.spi.WebAppSpec;
import dev.porter.spring.PorterServletDeployment;
import jakarta.servlet.ServletContainerInitializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.server.ErrorPage;
import org.springframework.boot.web.server.MimeMappings;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.server.AbstractServletWebServerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;

/**
 * Boot 3.5's servlet web server factory for Porter in-process (the twin of {@code porter-spring-boot}'s for Boot 4,
 * whose factory interfaces moved package): {@code getWebServer} translates Boot's servlet settings into a
 * {@link WebAppSpec} and deploys the app's initializers into Porter's Servlet host. Settings without an in-process
 * meaning (port, address, SSL, HTTP/2, compression) are named once in Porter's log.
 */
public class PorterServletWebServerFactory extends AbstractServletWebServerFactory implements ApplicationContextAware {

    private ApplicationContext applicationContext;

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.applicationContext = context;
    }

    @Override
    public WebServer getWebServer(ServletContextInitializer... initializers) {
        ServletContextInitializer[] all = mergeInitializers(initializers);
        ServletContainerInitializer sci = (classes, context) -> {
            for (ServletContextInitializer i : all) {
                i.onStartup(context);
            }
        };
        List<WebAppSpec.ErrorPageSpec> errorPages = new ArrayList<>();
        for (ErrorPage page : getErrorPages()) {
            errorPages.add(new WebAppSpec.ErrorPageSpec(page.getStatus() == null ? 0 : page.getStatusCode(),
                    page.getExceptionName(), page.getPath()));
        }
        Map<String, String> mime = new LinkedHashMap<>();
        MimeMappings mappings = getMimeMappings();
        if (mappings != null) {
            for (MimeMappings.Mapping m : mappings) {
                mime.put(m.getExtension(), m.getMimeType());
            }
        }
        int timeout = PorterServletDeployment.sessionTimeoutSeconds(
                getSession() == null ? null : getSession().getTimeout());
        WebAppSpec spec = new WebAppSpec(getContextPath(), getDisplayName(), getInitParameters(), errorPages, mime,
                timeout, isRegisterDefaultServlet(), getWebListenerClassNames());
        String ignored = PorterServletDeployment.ignoredSettings(getPort(), getAddress(),
                getSsl() != null && getSsl().isEnabled(), getHttp2() != null && getHttp2().isEnabled(),
                getCompression() != null && getCompression().getEnabled());
        try {
            return new PorterWebServer(PorterServletDeployment.deploy(spec, sci, ignored, applicationContext));
        } catch (Exception e) {
            throw new WebServerException("Porter's Servlet host could not deploy the application", e);
        }
    }

    /** Boot's view of the app's web server: Porter's hosted web app. */
    static final class PorterWebServer implements WebServer {

        private final HostedWebApp app;

        PorterWebServer(HostedWebApp app) {
            this.app = app;
        }

        @Override
        public void start() {
            app.start();
        }

        @Override
        public void stop() {
            app.stop();
        }

        /** In-process there is no port of the app's own: Porter's front server listens. */
        @Override
        public int getPort() {
            return -1;
        }
    }
}
