package dev.porter.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop gracefully, so that the process can finish its work and exit 0 (a JVM
 * shutdown hook alone would exit with 130/143). A second signal while stopping is ignored: the stop is bounded.
 */
final class Signals {

    private Signals() {
    }

    static void onTerminate(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                // signal not available on this platform (or already used by the JVM): keep the default
            }
        }
    }
}
