package dev.porter.testapps.inprocess;

/** A class the in-process tests ship in a second jar, to show the app's class path is followed. */
public final class InProcessHelper {

    private InProcessHelper() {
    }

    public static String greeting() {
        return "helper from " + InProcessHelper.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    }
}
