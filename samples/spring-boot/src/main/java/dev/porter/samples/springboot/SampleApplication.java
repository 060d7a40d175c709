package dev.porter.samples.springboot;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A plain Spring Boot web app: nothing in it knows about Porter. */
@SpringBootApplication
@RestController
public class SampleApplication {

    /** Tells one start of the app from the next (Porter recycles it on a web.config change). */
    private static final String INSTANCE = java.util.UUID.randomUUID().toString();

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }

    @GetMapping("/hello")
    String hello() {
        return "hello from Spring Boot";
    }

    /** A setting from the environment ({@code PORTER_SAMPLE_GREETING}, e.g. web.config's environmentVariables). */
    @org.springframework.beans.factory.annotation.Value("${porter.sample.greeting:none}")
    String configuredGreeting;

    @GetMapping("/configured")
    String configured() {
        return configuredGreeting;
    }

    @GetMapping("/greet")
    Map<String, String> greet(@RequestParam(name = "name", defaultValue = "world") String name) {
        return Map.of("greeting", "hello, " + name);
    }

    @PostMapping("/echo")
    Map<String, Object> echo(@RequestBody Map<String, Object> body) {
        return Map.of("received", body);
    }

    /** A weak reference to this app's class loader under a JVM-wide key (tests check it is collected after a recycle). */
    @GetMapping("/loader")
    String loader() {
        ClassLoader loader = SampleApplication.class.getClassLoader();
        // Reflectively: in Porter in-process, System.getProperties() in the app's code is the app's own properties.
        try {
            ((java.util.Properties) System.class.getMethod("getProperties").invoke(null))
                    .put("porter.sample.boot.loader", new java.lang.ref.WeakReference<>(loader));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return Integer.toHexString(System.identityHashCode(loader));
    }

    /** Closes the application context a moment after answering: the app stops itself. */
    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.context.ConfigurableApplicationContext context;

    @GetMapping("/close")
    String close() {
        new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            context.close();
        }).start();
        return "closing";
    }

    @GetMapping("/boom")
    String boom() {
        throw new IllegalStateException("boom on purpose");
    }

    @GetMapping("/info")
    Map<String, Object> info(HttpServletRequest request) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("contextPath", request.getContextPath());
        info.put("servletPath", request.getServletPath());
        info.put("remoteAddr", request.getRemoteAddr());
        info.put("scheme", request.getScheme());
        info.put("server", request.getServletContext().getServerInfo());
        info.put("instance", INSTANCE);
        return info;
    }
}
