package dev.porter.hosting.outofprocess.forwarding;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a proxy-to-server connection's responses, knowing the method of the request each one answers (a response to
 * {@code HEAD} has no body, whatever its framing fields say). Netty's {@code HttpClientCodec} learns the method from
 * the request passing through its encoder; a bodyless proxyToServerRequest goes to the socket already encoded
 * ({@link ProxyRequestHead#encodeBodyless}), past the encoder, so the {@link BackendConnection} names the method here
 * instead ({@link #expect}). A connection carries one request at a time, so one field is the whole queue.
 */
final class BackendResponseDecoder extends HttpResponseDecoder {

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    /** Common response field names, as servers spell them, by length. */
    private static final AsciiString[][] KNOWN_BY_LENGTH = byLength("Date", "ETag", "Vary", "Server", "Expires",
            "Location", "Connection", "Keep-Alive", "Set-Cookie", "Content-Type", "Cache-Control", "Last-Modified",
            "Accept-Ranges", "Content-Length", "Content-Encoding", "Transfer-Encoding");

    private HttpMethod method = HttpMethod.GET;

    BackendResponseDecoder(HttpDecoderConfig config) {
        super(config);
    }

    private static AsciiString[][] byLength(String... names) {
        AsciiString[][] table = new AsciiString[32][];
        for (String name : names) {
            AsciiString[] row = table[name.length()];
            row = row == null ? new AsciiString[1] : Arrays.copyOf(row, row.length + 1);
            row[row.length - 1] = AsciiString.cached(name);
            table[name.length()] = row;
        }
        return table;
    }

    /** The method of the request now sent: the next response answers it. */
    void expect(HttpMethod requestMethod) {
        this.method = requestMethod;
    }

    /**
     * A field name the usual backends send, in the case they send it, is the one shared name rather than a new copy:
     * no allocation, and its hash (the header table's, then the front's) is computed once for the server's life.
     * Any other spelling is copied as before; the name reaches the client exactly as the backend wrote it either way.
     */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString[] candidates = length < KNOWN_BY_LENGTH.length ? KNOWN_BY_LENGTH[length] : null;
        if (candidates != null) {
            for (AsciiString known : candidates) {
                if (Arrays.equals(known.array(), 0, length, sb, start, start + length)) {
                    return known;
                }
            }
        }
        return super.splitHeaderName(sb, start, length);
    }

    /** {@code HTTP/1.1} and {@code OK} as the usual status line has them, without a new string each. */
    @Override
    protected String splitFirstWordInitialLine(byte[] sb, int start, int length) {
        return Arrays.equals(HTTP_1_1, 0, HTTP_1_1.length, sb, start, start + length) ? "HTTP/1.1"
                : super.splitFirstWordInitialLine(sb, start, length);
    }

    @Override
    protected String splitThirdWordInitialLine(byte[] sb, int start, int length) {
        return length == 2 && sb[start] == 'O' && sb[start + 1] == 'K' ? "OK"
                : super.splitThirdWordInitialLine(sb, start, length);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        int code = ((HttpResponse) msg).status().code();
        if (code >= 200 && (HttpMethod.HEAD.equals(method)
                || (code < 300 && HttpMethod.CONNECT.equals(method)))) {
            // RFC 9112 §6.3: no body after a HEAD's response, nor after a 2xx to CONNECT (a tunnel, not a message;
            // the exchange does not reuse that connection).
            return true;
        }
        return super.isContentAlwaysEmpty(msg);
    }
}
