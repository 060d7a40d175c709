package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.server.errors.ErrorPages;
import dev.porter.server.Exchange;
import dev.porter.hosting.ancm.Html;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The 502.3 answer of a failed forward (spec/ancm-contract.md §1.5): IIS's own page rather than an ANCM one, titled
 * {@code HTTP Error 502.3 - Bad Gateway} like the module's pages, with the WinHTTP-style error code and description.
 */
final class BadGatewayPage {

    static final String TITLE = " HTTP Error 502.3 - Bad Gateway ";

    private BadGatewayPage() {
    }

    static byte[] render(ForwardingError error, String detail) {
        String html = "<!DOCTYPE html>\r\n<html lang=\"en\">\r\n<head>\r\n<meta charset=\"utf-8\" />\r\n<title>" + TITLE
                + "</title>\r\n</head>\r\n<body>\r\n<h1>" + TITLE + "</h1>\r\n"
                + "<h2> The server, acting as a gateway, received no valid response from the application. </h2>\r\n"
                + "<h3>Error code: " + error.code() + "</h3>\r\n"
                + "<p>" + Html.escape(error.text()) + (detail == null ? "" : ": " + Html.escape(detail)) + "</p>\r\n"
                + "</body>\r\n</html>\r\n";
        return html.getBytes(StandardCharsets.UTF_8);
    }

    /** Answers the exchange with 502.3 (its head must not be written yet). */
    static void respond(Exchange exchange, ForwardingError error, String detail) {
        byte[] body = render(error, detail);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_GATEWAY, Unpooled.wrappedBuffer(body));
        ErrorPages.addHeaders(response, body.length);
        exchange.setSubStatus(3);
        exchange.respond(response);
    }
}
