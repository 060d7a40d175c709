package dev.porter.samples.war;

/** Found by the container's class scan for {@link GreetingInitializer}, never named anywhere. */
public final class EnglishGreeting implements Greeting {

    @Override
    public String text() {
        return "good day";
    }
}
