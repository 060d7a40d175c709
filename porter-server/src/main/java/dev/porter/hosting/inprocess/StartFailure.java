package dev.porter.hosting.inprocess;

import dev.porter.hosting.ancm.AncmError;

/**
 * Why an in-process application does not serve: the error page its requests get (500.0, 500.30, 500.37), the specific
 * error shown with detailed errors, and the page's reasons when they depend on the case (500.37's limit).
 */
final class StartFailure extends Exception {

    private final AncmError error;
    private final String reasonsHtml;
    private final boolean heals;

    /** A failure of the running app (500.30, 500.37): a fresh app domain may heal it. */
    StartFailure(AncmError error, String specificError, String reasonsHtml) {
        this(error, specificError, reasonsHtml, true);
    }

    private StartFailure(AncmError error, String specificError, String reasonsHtml, boolean heals) {
        super(specificError, null, false, false);
        this.error = error;
        this.reasonsHtml = reasonsHtml;
        this.heals = heals;
    }

    /** A 500.0: the app could not be loaded at all; it stays so until web.config changes. */
    static StartFailure hosting(String reason) {
        return new StartFailure(AncmError.IN_PROCESS_HOSTING_FAILURE, reason, null, false);
    }

    /**
     * A 500.0 for an app of a kind the in-process host does not serve (a Spring Boot jar): the reason is the page's
     * own text, shown without detailed errors too; it stays until web.config changes.
     */
    static StartFailure misfit(String reason, String reasonsHtml) {
        return new StartFailure(AncmError.IN_PROCESS_HOSTING_FAILURE, reason, reasonsHtml, false);
    }

    /** A failure of the running app that stays until web.config changes ({@code suppressRecycleOnStartupTimeout}). */
    static StartFailure lasting(AncmError error, String specificError, String reasonsHtml) {
        return new StartFailure(error, specificError, reasonsHtml, false);
    }

    /** Whether the next request may start a fresh app domain (IIS recycles the worker after such a failure). */
    boolean heals() {
        return heals;
    }

    AncmError error() {
        return error;
    }

    String specificError() {
        return getMessage();
    }

    String reasonsHtml() {
        return reasonsHtml;
    }
}
