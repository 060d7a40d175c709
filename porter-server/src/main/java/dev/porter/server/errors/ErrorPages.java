package dev.porter.server.errors;

import dev.porter.server.HttpDate;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The front server's own error responses (the http.sys role): a short HTML page naming the status and what was wrong,
 * for requests that never reach an application (malformed, too large, no such site or application).
 */
public final class ErrorPages {

    public static final String SERVER_NAME = "Porter";

    private ErrorPages() {
    }

    public static byte[] simple(HttpResponseStatus status, String detail) {
        String title = status.code() + " " + status.reasonPhrase();
        String html = "<!DOCTYPE html>\r\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\r\n<body><h1>" + title + "</h1>\r\n<p>" + Html.escape(detail)
                + "</p></body></html>\r\n";
        return html.getBytes(StandardCharsets.UTF_8);
    }

    /** Content-Type, Content-Length, Server and Date for an error page of {@code length} bytes. */
    public static void addHeaders(HttpResponse response, int length) {
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, length)
                .set(HttpHeaderNames.SERVER, SERVER_NAME)
                .set(HttpHeaderNames.DATE, HttpDate.now());
    }
}
