package dev.porter.hosting.inprocess;

import dev.porter.hosting.AncmError;

/**
 * Why an in-process application does not serve: the error page its requests get (500.0, 500.30, 500.37), the specific
 * error shown with detailed errors, and the page's reasons when they depend on the case (500.37's limit).
 */
final class StartFailure extends Exception {

    private final AncmError error;
    private final String reasonsHtml;

    StartFailure(AncmError error, String specificError, String reasonsHtml) {
        super(specificError, null, false, false);
        this.error = error;
        this.reasonsHtml = reasonsHtml;
    }

    /** A 500.0: the app could not be loaded at all. */
    static StartFailure hosting(String reason) {
        return new StartFailure(AncmError.IN_PROCESS_HOSTING_FAILURE, reason, null);
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
