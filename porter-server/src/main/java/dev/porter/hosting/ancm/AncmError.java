package dev.porter.hosting.ancm;

/**
 * The module's error pages (spec/ancm-contract.md §7.2): status, sub-status, the general error type shown in the
 * title, the common solutions, and the page's "more information" link.
 */
public enum AncmError {

    IN_PROCESS_HOSTING_FAILURE(500, 0, "ASP.NET Core IIS hosting failure (in-process)",
            reasons("The in-process application could not be loaded: check processPath and arguments in web.config.",
                    "processPath must be java (or a path to a java launcher) and arguments a java command line "
                            + "such as -jar app.jar."),
            Links.SHIM),
    OUT_OF_PROCESS_HOSTING_FAILURE(500, 0, "ASP.NET Core IIS hosting failure (out-of-process)",
            reasons("The out-of-process request handler could not be set up for this application."),
            Links.SHIM),
    APP_FAILED_TO_START(500, 30, "ASP.NET Core app failed to start",
            reasons("The app failed to start", "The app started but then stopped",
                    "The app started but threw an exception during startup"),
            Links.IN_PROCESS),
    STARTUP_TIME_LIMIT(500, 37, "ASP.NET Core app failed to start within startup time limit",
            null, Links.IN_PROCESS),
    OUT_OF_PROCESS_STARTUP_FAILURE(502, 5, "ANCM Out-Of-Process Startup Failure",
            reasons("The application process failed to start", "The application process started but then stopped",
                    "The application process started but failed to listen on the configured port"),
            Links.OUT_OF_PROCESS);

    private final int status;
    private final int subStatus;
    private final String errorType;
    private final String reasonsHtml;
    private final String moreInfoLink;

    AncmError(int status, int subStatus, String errorType, String reasonsHtml, String moreInfoLink) {
        this.status = status;
        this.subStatus = subStatus;
        this.errorType = errorType;
        this.reasonsHtml = reasonsHtml;
        this.moreInfoLink = moreInfoLink;
    }

    public int status() {
        return status;
    }

    public int subStatus() {
        return subStatus;
    }

    public String errorType() {
        return errorType;
    }

    /** The common-solutions HTML; {@link #STARTUP_TIME_LIMIT} builds its own from the limit. */
    public String reasonsHtml() {
        return reasonsHtml;
    }

    public String moreInfoLink() {
        return moreInfoLink;
    }

    static String reasons(String... items) {
        StringBuilder html = new StringBuilder("<ul>");
        for (String item : items) {
            html.append("<li>").append(Html.escape(item)).append("</li>");
        }
        return html.append("</ul>").toString();
    }

    private static final class Links {
        static final String SHIM = "https://go.microsoft.com/fwlink/?LinkID=2028526";
        static final String IN_PROCESS = "https://go.microsoft.com/fwlink/?LinkID=2028265";
        static final String OUT_OF_PROCESS = "https://go.microsoft.com/fwlink/?LinkID=808681";
    }
}
