package dev.porter.hosting.outofprocess.forwarding;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Helpers for backends written on raw sockets (garbage, early close, hang, reset, tunnels). */
final class RawBackend {

    private RawBackend() {
    }

    /** Reads a request head up to and including the blank line; returns it (ISO-8859-1), or null at EOF. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }
}
