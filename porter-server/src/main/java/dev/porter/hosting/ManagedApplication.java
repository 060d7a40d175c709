package dev.porter.hosting;

/**
 * One configured application as the admin endpoint sees it: its status and the one control that needs the hosting
 * module (taking an app offline and back is done as IIS deploy tools do it, with {@code app_offline.htm}).
 *
 * <p>Threading: both methods may block briefly on file access and the application's lock: call them off event loops.
 */
public interface ManagedApplication {

    ApplicationStatus status();

    /**
     * Recycles the application as a web.config change does (ANCM event 1021's path): the current incarnation stops
     * gracefully and the next request starts a new one. Does nothing while the app is offline or Porter stops.
     *
     * @return whether a running incarnation was recycled
     */
    boolean recycle();
}
