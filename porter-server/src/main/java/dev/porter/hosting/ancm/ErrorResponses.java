package dev.porter.hosting.ancm;

import dev.porter.hosting.ApplicationContext;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Sends the module's error responses on an exchange: the ANCM page, or only the status when
 * {@code disableStartUpErrorPage} is set; the specific error only when detailed errors are on (spec §3.5, §7.1).
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /**
     * Answers the exchange with the error's status and page.
     *
     * @param specificError what exactly went wrong (shown only with detailed errors); may be null
     * @param reasonsOverride replaces the error's standard reasons (e.g. 500.37 names the limit); may be null
     */
    public static void send(Exchange exchange, ApplicationContext context, AncmError error, String specificError,
            String reasonsOverride) {
        exchange.setSubStatus(error.subStatus());
        HttpResponseStatus status = HttpResponseStatus.valueOf(error.status());
        if (context.webConfig().aspNetCore().disableStartUpErrorPage()) {
            exchange.respond(status, null, new byte[0]);
            return;
        }
        boolean detailed = context.environment()
                .detailedErrors(context.webConfig().aspNetCore().environmentVariables());
        byte[] page = AncmErrorPage.render(error.status(), error.subStatus(), error.errorType(),
                reasonsOverride != null ? reasonsOverride : error.reasonsHtml(),
                detailed ? specificError : null, error.moreInfoLink(),
                context.environment().additionalErrorPageLink());
        exchange.respond(status, "text/html", page);
    }

    /** 503 while an application stops: the request was not started anywhere. */
    public static void shuttingDown(Exchange exchange) {
        exchange.respond(HttpResponseStatus.SERVICE_UNAVAILABLE, null, new byte[0]);
    }
}
