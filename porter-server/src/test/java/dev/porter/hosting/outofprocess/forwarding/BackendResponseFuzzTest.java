package dev.porter.hosting.outofprocess.forwarding;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link BackendResponseDecoder} against Netty's {@code HttpResponseDecoder}, the
 * decoder it replaced on the proxy-to-server leg ({@link ResponseDecoding}): for any bytes a backend sends, in up to
 * four reads, answering a GET or a HEAD, closing the connection or not, both must give the same heads (status, reason,
 * fields in order), body bytes, ends and trailers, and fail at the same point; Porter's may only refuse earlier where it
 * is stricter on purpose (the status line, a chunk size over 2^31-1). Every buffer it is given must be released.
 *
 * <p>The bytes are mostly responses built from fuzzed parts (status lines, fields among the framing ones with fuzzed
 * values and separators, obs-folds, bodies framed by length, chunks with extensions and trailers, or the close), one to
 * three on a connection, sometimes raw. Without {@code JAZZER_FUZZ=1} it replays its stored inputs only.
 */
class BackendResponseFuzzTest {

    private static final String[] STATUS_LINES = {"HTTP/1.1 200 OK", "HTTP/1.1 204 No Content", "HTTP/1.0 200 OK",
        "HTTP/1.1 100 Continue", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 304 Not Modified", "HTTP/1.1 404",
        "HTTP/1.1 500 ", "HTTP/1.1  200 OK", "HTTP/1.1 200\tOK", "HTTP/2.0 200 OK", "HTTP/1.1 099 X", "HTTP/1.1 999 Y"};
    private static final String[] NAMES = {"Content-Length", "content-length", "Transfer-Encoding", "Connection",
        "Upgrade", "Sec-WebSocket-Accept", "Trailer", "Date", "Keep-Alive", "X-A", "Set-Cookie", "Content-Type"};
    private static final String[] VALUES = {"0", "5", "05", "1, 1", "+1", "-1", "chunked", "gzip, chunked",
        "chunked, gzip", "CHUNKED", "close", "keep-alive", "websocket", "", " ", "a\u0001b", "x"};

    @FuzzTest(maxDuration = "15s")
    void decodesAsNettyDoes(FuzzedDataProvider data) {
        HttpMethod method = data.consumeBoolean() ? HttpMethod.GET : HttpMethod.HEAD;
        boolean close = data.consumeBoolean();
        int reads = data.consumeInt(1, 4);
        int[] cuts = new int[reads - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 400);
        }
        byte[] bytes = data.consumeBoolean() ? data.consumeRemainingAsBytes() : responses(data);
        List<byte[]> pieces = new ArrayList<>();
        int at = 0;
        for (int cut : cuts) {
            int to = Math.min(bytes.length, at + cut);
            pieces.add(java.util.Arrays.copyOfRange(bytes, at, to));
            at = to;
        }
        pieces.add(java.util.Arrays.copyOfRange(bytes, at, bytes.length));
        try {
            ResponseDecoding.assertAgree(ResponseDecoding.decode(ResponseDecoding.netty(method), pieces, close),
                    ResponseDecoding.decode(ResponseDecoding.porter(method), pieces, close));
        } catch (AssertionError e) {
            StringBuilder input = new StringBuilder();
            for (byte[] piece : pieces) {
                input.append("\n  read: ").append(escaped(piece));
            }
            throw new AssertionError(e.getMessage() + "\n  " + method + (close ? ", closed" : "") + input, e);
        }
    }

    private static byte[] responses(FuzzedDataProvider data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count = data.consumeInt(1, 3);
        for (int r = 0; r < count; r++) {
            if (data.consumeBoolean()) {
                write(out, "\r\n");
            }
            write(out, data.consumeInt(0, 5) == 0 ? data.consumeString(24) : data.pickValue(STATUS_LINES));
            write(out, "\r\n");
            int fields = data.consumeInt(0, 6);
            for (int f = 0; f < fields; f++) {
                String name = data.consumeInt(0, 4) == 0 ? data.consumeString(12) : data.pickValue(NAMES);
                String separator = data.pickValue(new String[] {": ", ":", " : ", ":\t", ":  "});
                String value = data.consumeBoolean() ? data.consumeString(16) : data.pickValue(VALUES);
                write(out, name + separator + value + data.pickValue(new String[] {"", " ", "\t"}) + "\r\n");
                if (data.consumeInt(0, 6) == 0) {
                    write(out, data.pickValue(new String[] {" ", "\t", "  "}) + data.consumeString(8) + "\r\n");
                }
            }
            write(out, "\r\n");
            switch (data.consumeInt(0, 3)) {
                case 0 -> write(out, data.consumeString(12));
                case 1 -> {
                    int chunks = data.consumeInt(0, 3);
                    for (int c = 0; c < chunks; c++) {
                        String chunk = data.consumeString(10);
                        write(out, Integer.toHexString(chunk.length())
                                + (data.consumeBoolean() ? ";e=" + data.consumeString(4) : "") + "\r\n" + chunk
                                + "\r\n");
                    }
                    write(out, "0\r\n");
                    if (data.consumeBoolean()) {
                        write(out, data.pickValue(NAMES) + ": " + data.consumeString(8) + "\r\n");
                    }
                    write(out, "\r\n");
                }
                case 2 -> write(out, data.consumeString(40));
                default -> {
                    // no body
                }
            }
        }
        return out.toByteArray();
    }

    private static String escaped(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
