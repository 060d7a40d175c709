package dev.porter.spring;

import dev.porter.servlet.spi.HostedWebApp;
import dev.porter.servlet.spi.PorterServletHost;
import dev.porter.servlet.spi.WebAppSpec;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Servlet host registered for a class loader of the test's own, set as the thread's context loader while the test
 * runs, so that {@link PorterServletHost#current()} finds it as an in-process app would find Porter's. It records the
 * SPI calls the starters' shared code makes; the real host is exercised by porter-servlet-host's
 * {@code SpringBootInProcessTest} with the sample jars.
 */
final class TestHost extends PorterServletHost implements AutoCloseable {

    final Map<String, String> environment;
    final List<String> ignored = new ArrayList<>();
    final List<WebAppSpec> deployed = new ArrayList<>();
    final List<AutoCloseable> closeWith = new ArrayList<>();
    private final URLClassLoader appLoader = new URLClassLoader("app", new URL[0], null);
    private final ClassLoader previous = Thread.currentThread().getContextClassLoader();

    TestHost(Map<String, String> environment) {
        this.environment = environment;
        register(appLoader, this);
        Thread.currentThread().setContextClassLoader(appLoader);
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public void ignoredSettings(String settings) {
        ignored.add(settings);
    }

    @Override
    public HostedWebApp deploy(WebAppSpec spec, ServletContainerInitializer initializer) {
        deployed.add(spec);
        return new HostedWebApp() {
            @Override
            public ServletContext servletContext() {
                throw new UnsupportedOperationException("not needed here");
            }

            @Override
            public void start() {
            }

            @Override
            public void stop() {
            }

            @Override
            public void closeWith(AutoCloseable application) {
                closeWith.add(application);
            }
        };
    }

    @Override
    public void close() throws Exception {
        Thread.currentThread().setContextClassLoader(previous);
        unregister(appLoader);
        appLoader.close();
    }
}
