package dev.porter.hosting.ancm;

import java.nio.charset.StandardCharsets;

/**
 * Renders the ASP.NET Core Module's error page (spec/ancm-contract.md §7.1): an HTML5 document whose title and heading
 * are {@code HTTP Error <status>.<sub> - <type>}, then the common solutions, the specific error (only when detailed
 * errors are on), the troubleshooting steps and the "more information" links; nothing after {@code </html>\r\n}.
 */
public final class AncmErrorPage {

    private AncmErrorPage() {
    }

    /**
     * Renders ANCM's error page of one kind.
     *
     * @param reasonsHtml the "common solutions" list, already HTML; null or empty for none
     * @param specificError the error text detected by the module, shown only when not null (plain text, escaped here)
     * @param moreInfoLink the fwlink of the page's kind
     * @param additionalLink {@code ANCM_ADDITIONAL_ERROR_PAGE_LINK}, or null
     */
    public static byte[] render(int status, int subStatus, String errorType, String reasonsHtml, String specificError,
            String moreInfoLink, String additionalLink) {
        String heading = " HTTP Error " + status + "." + subStatus + " - " + Html.escape(errorType) + " ";
        StringBuilder html = new StringBuilder(2048);
        html.append("<!DOCTYPE html>\r\n")
                .append("<html lang=\"en\">\r\n<head>\r\n<meta charset=\"utf-8\" />\r\n")
                .append("<title>").append(heading).append("</title>\r\n")
                .append("<style>body{font-family:\"Segoe UI\",Arial,sans-serif;margin:2em;color:#222}"
                        + "h1{font-size:1.6em;font-weight:normal;color:#a00}h2{font-size:1.2em}"
                        + "pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}</style>\r\n")
                .append("</head>\r\n<body>\r\n")
                .append("<h1>").append(heading).append("</h1>\r\n");
        if (reasonsHtml != null && !reasonsHtml.isEmpty()) {
            html.append("<h2> Common solutions to this issue: </h2>\r\n").append(reasonsHtml).append("\r\n");
        }
        if (specificError != null) {
            html.append("<h2>Specific error detected by ANCM:</h2>\r\n<h3><pre>")
                    .append(Html.escape(specificError)).append("</pre></h3>\r\n");
        }
        html.append("<h2>Troubleshooting steps:</h2>\r\n<ul>\r\n")
                .append("<li> Check the server log (Porter writes the module's events there) </li>\r\n")
                .append("<li> Enable logging of the application process' stdout messages "
                        + "(stdoutLogEnabled=\"true\" in web.config) </li>\r\n")
                .append("<li> Attach a debugger to the application process and inspect </li>\r\n")
                .append("</ul>\r\n<h2>For more information visit: ");
        if (additionalLink != null && !additionalLink.isEmpty()) {
            String link = Html.escape(additionalLink);
            html.append("<a href=\"").append(link).append("\"> <cite> ").append(link).append(" </cite></a> and ");
        }
        String more = Html.escape(moreInfoLink);
        html.append("<a href=\"").append(more).append("\"> <cite> ").append(more).append(" </cite></a></h2>\r\n")
                .append("</body>\r\n</html>\r\n");
        return html.toString().getBytes(StandardCharsets.UTF_8);
    }
}
