package dev.porter.samples.springboot;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * An app that gives up while it starts: with {@code PORTER_SAMPLE_EXIT_ON_START=bean} a thread of its own calls
 * {@code System.exit(3)} while this bean is initialized (the context is refreshing: the web server exists but does not
 * serve yet); with {@code =runner}, from an {@code ApplicationRunner} (the web server serves already). Either way the
 * bean waits for that thread, and the start goes on as if nothing happened. Standalone the JVM ends; in Porter
 * in-process only this app stops. Before it exits the app publishes a weak reference to its class loader (as
 * {@code /loader} does), so a test can see that Porter let go of it.
 */
@Component
class ExitOnStart implements InitializingBean, ApplicationRunner {

    private static final String MODE = System.getenv("PORTER_SAMPLE_EXIT_ON_START");

    @Override
    public void afterPropertiesSet() throws InterruptedException {
        if ("bean".equals(MODE)) {
            exitFromAnotherThread();
        }
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if ("runner".equals(MODE)) {
            exitFromAnotherThread();
        }
    }

    private static void exitFromAnotherThread() throws InterruptedException {
        new SampleApplication().loader();
        Thread exiting = new Thread(() -> System.exit(3), "sample-exit-on-start");
        exiting.start();
        exiting.join();
    }
}
