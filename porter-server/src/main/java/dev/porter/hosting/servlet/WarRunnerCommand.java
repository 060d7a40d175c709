package dev.porter.hosting.servlet;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Out-of-process, {@code arguments="-war app.war"} means the same as in-process: the java command line becomes
 * Porter's WAR runner ({@code dev.porter.hosting.servlet.WarRunner}: the Servlet host's Jetty plus the integration
 * filter, listening on {@code ASPNETCORE_PORT}) with the WAR as its argument, so switching {@code hostingModel} is the
 * only change. Other command lines are returned unchanged.
 */
public final class WarRunnerCommand {

    static final String RUNNER = "dev.porter.hosting.servlet.WarRunner";

    private WarRunnerCommand() {
    }

    /** {@code [-Dk=v ...] -war <path> [args]} → {@code [-Dk=v ...] -cp <host> WarRunner <path> [args]}. */
    public static List<String> rewrite(List<String> javaArguments) {
        int war = javaArguments.indexOf("-war");
        if (war < 0 || war + 1 >= javaArguments.size()) {
            return javaArguments;
        }
        for (int i = 0; i < war; i++) {
            if (!javaArguments.get(i).startsWith("-")) {
                return javaArguments; // "-war" is a program argument of some main class
            }
        }
        List<String> out = new ArrayList<>(javaArguments.subList(0, war));
        out.add("-cp");
        out.add(classPath());
        out.add(RUNNER);
        out.addAll(javaArguments.subList(war + 1, javaArguments.size()));
        return out;
    }

    /**
     * The host layer's jars, Porter's jar (the shared shape types) and its libraries (SLF4J and Logback for Jetty's
     * log); else Porter's own class path.
     */
    static String classPath() {
        Path home = ServletHostLayer.home();
        if (home == null) {
            return System.getProperty("java.class.path");
        }
        return home.resolve("*") + File.pathSeparator + home.resolveSibling("porter-server.jar") + File.pathSeparator
                + home.resolveSibling("lib").resolve("*");
    }
}
