package dev.porter.hosting.outofprocess.forwarding;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading a response as it arrives, byte by byte, without waiting for its end. */
final class StreamingReads {

    private StreamingReads() {
    }

    /** Reads until the text seen so far ends with {@code marker}; returns it. Fails at EOF. */
    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            seen.write(b);
            if (seen.size() >= marker.length()
                    && seen.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("EOF before '" + marker + "'; got: " + seen.toString(StandardCharsets.ISO_8859_1));
    }
}
