package dev.porter.samples.war;

import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.annotation.HandlesTypes;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link ServletContainerInitializer} (declared in {@code META-INF/services}) that the container hands every
 * {@link Greeting} it finds: it publishes their names as the context attribute {@code greetings}.
 */
@HandlesTypes(Greeting.class)
public final class GreetingInitializer implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> found, ServletContext context) {
        Set<String> names = new TreeSet<>();
        if (found != null) {
            for (Class<?> c : found) {
                if (!c.isInterface()) {
                    names.add(c.getSimpleName());
                }
            }
        }
        context.setAttribute("greetings", String.join(",", names));
    }
}
