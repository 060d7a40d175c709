package dev.porter.server.errors;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
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
                + "</title></head>\r\n<body><h1>" + title + "</h1>\r\n<p>" + escape(detail)
                + "</p></body></html>\r\n";
        return html.getBytes(StandardCharsets.UTF_8);
    }

    /** HTML text escaping of a detail (which may quote the client's request). */
    private static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * The front server's error response, whole: {@code status}, the page naming what was wrong, its headers, and
     * {@code Connection: close} when {@code close} (after a refused head the rest of the connection cannot be trusted).
     * The one place the front builds one; the hosting models' pages (ANCM's) have their own renderer.
     */
    public static FullHttpResponse response(HttpResponseStatus status, String detail, boolean close) {
        byte[] body = simple(status, detail);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        addHeaders(response, body.length);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
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
