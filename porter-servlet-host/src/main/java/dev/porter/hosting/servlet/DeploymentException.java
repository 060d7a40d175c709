package dev.porter.hosting.servlet;

import dev.porter.hosting.ancm.AncmError;

/**
 * Why a Servlet application does not serve, with the error page its requests get: 500.0 for input that cannot be a
 * web application (the message names the file and what is wrong), 500.30 for a deployment that failed (the message
 * names the cause), 500.37 for a start that took longer than {@code startupTimeLimit}.
 */
final class DeploymentException extends Exception {

    private final AncmError error;
    private final String reasonsHtml;

    DeploymentException(AncmError error, String message, String reasonsHtml) {
        super(message, null, false, false);
        this.error = error;
        this.reasonsHtml = reasonsHtml;
    }

    static DeploymentException badInput(String message) {
        return new DeploymentException(AncmError.IN_PROCESS_HOSTING_FAILURE, message, null);
    }

    static DeploymentException failed(String message) {
        return new DeploymentException(AncmError.APP_FAILED_TO_START, message, null);
    }

    AncmError error() {
        return error;
    }

    String reasonsHtml() {
        return reasonsHtml;
    }
}
