package dev.porter.hosting;

import dev.porter.config.ConfigException;
import dev.porter.server.Exchange;
import dev.porter.hosting.ancm.Html;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The application while its web.config cannot be used (spec §4, event 1034): every request gets IIS's
 * {@code HTTP Error 500.19 - Internal Server Error} ("the related configuration data for the page is invalid"). As
 * IIS's default {@code errorMode="DetailedLocalOnly"} does, a client on this machine (loopback, or the address it
 * connected to) sees the configuration error itself (file, line, element, attribute, value, allowed range); any other
 * client gets the generic page, which names nothing. The error is also in the server log, once per read.
 */
final class ConfigErrorHandler implements ApplicationHandler {

    static final int SUB_STATUS = 19;
    private static final String TITLE = "HTTP Error 500.19 - Internal Server Error";
    private static final String SUMMARY =
            "The requested page cannot be accessed because the related configuration data for the page is invalid.";

    private final byte[] detailed;
    private final byte[] generic;

    ConfigErrorHandler(ConfigException error) {
        this.detailed = detailedPage(error);
        this.generic = genericPage();
    }

    @Override
    public void handle(Exchange exchange) {
        exchange.setSubStatus(SUB_STATUS);
        exchange.respond(HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/html; charset=utf-8",
                isLocal(exchange.remoteAddress(), exchange.localAddress()) ? detailed : generic);
    }

    @Override
    public CompletableFuture<Void> stop(StopReason reason) {
        return CompletableFuture.completedFuture(null);
    }

    /** IIS's "local request": from a loopback address, or from the address the client itself connected to. */
    static boolean isLocal(InetSocketAddress remote, InetSocketAddress local) {
        if (remote == null || remote.getAddress() == null) {
            return false;
        }
        InetAddress client = remote.getAddress();
        return client.isLoopbackAddress() || (local != null && client.equals(local.getAddress()));
    }

    private static byte[] detailedPage(ConfigException error) {
        StringBuilder html = head();
        html.append("<h2>").append(Html.escape(SUMMARY)).append("</h2>\r\n")
                .append("<h3>Detailed Error Information:</h3>\r\n<table>\r\n")
                .append("<tr><th>Module</th><td>AspNetCoreModuleV2 (Porter)</td></tr>\r\n")
                .append("<tr><th>Error Code</th><td>0x8007000d</td></tr>\r\n")
                .append("<tr><th>Config File</th><td>")
                .append(Html.escape(error.file() == null ? "web.config" : error.file().toString()))
                .append("</td></tr>\r\n</table>\r\n")
                .append("<h3>Config Error:</h3>\r\n<pre>").append(Html.escape(error.getMessage())).append("</pre>\r\n")
                .append("<h3>Things you can try:</h3>\r\n<ul>\r\n")
                .append("<li>Correct the web.config named above; the application starts again once it reads.</li>\r\n")
                .append("<li>This detail is shown to clients on this machine only; others get a generic page.</li>\r\n")
                .append("</ul>\r\n");
        return tail(html);
    }

    private static byte[] genericPage() {
        StringBuilder html = head();
        html.append("<h2>500 - Internal server error.</h2>\r\n")
                .append("<h3>There is a problem with the resource you are looking for, and it cannot be displayed."
                        + "</h3>\r\n");
        return tail(html);
    }

    private static StringBuilder head() {
        return new StringBuilder(1024).append("<!DOCTYPE html>\r\n<html lang=\"en\">\r\n<head>\r\n")
                .append("<meta charset=\"utf-8\" />\r\n<title>").append(TITLE).append("</title>\r\n")
                .append("<style>body{font-family:\"Segoe UI\",Arial,sans-serif;margin:2em;color:#222}"
                        + "h1{font-size:1.6em;font-weight:normal;color:#a00}th{text-align:left;padding-right:1em}"
                        + "pre{background:#f4f4f4;padding:1em;white-space:pre-wrap}</style>\r\n")
                .append("</head>\r\n<body>\r\n<h1>").append(TITLE).append("</h1>\r\n");
    }

    private static byte[] tail(StringBuilder html) {
        return html.append("</body>\r\n</html>\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
