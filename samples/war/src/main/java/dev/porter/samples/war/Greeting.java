package dev.porter.samples.war;

/** Implemented by the greetings {@link GreetingInitializer} discovers through {@code @HandlesTypes}. */
public interface Greeting {

    String text();
}
