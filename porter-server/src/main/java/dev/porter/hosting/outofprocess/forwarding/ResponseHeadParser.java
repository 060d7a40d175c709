package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parses a whole response head (status line, field lines, the empty line; CRLF after each, checked by the
 * {@link BackendResponseDecoder}) from one array in one pass, with the rules of Netty's {@code HttpResponseDecoder} and
 * header validation: a field name is a token ended by {@code :} (whitespace before the colon is dropped, RFC 9112
 * §5.1), a value is field-content (no control character but HTAB, RFC 9110 §5.5) with its surrounding whitespace
 * trimmed, an obs-fold line joins the previous value with one space (spec §1.4, "continuation lines are joined");
 * {@code Content-Length} must be one non-negative decimal (a list or a repeat is refused in HTTP/1.1; in HTTP/1.0 the
 * first counts), {@code Transfer-Encoding} with {@code chunked} overrides it (and it is removed, RFC 9112 §6.3). The
 * status line is stricter than Netty's: {@code HTTP/1.1} or {@code HTTP/1.0}, one space, a status from 100 to 599,
 * then an optional space and a reason of visible characters, spaces and tabs (RFC 9112 §4).
 *
 * <p>Names and values are views on the array ({@link AsciiString}, no copy); the usual names are shared constants.
 * Malformed input throws {@link IllegalArgumentException}.
 */
final class ResponseHeadParser {

    /** The header table of a response head: its fields are validated here, once. */
    static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    /** Common response field names, as servers spell them, by length: no new name object for them. */
    private static final AsciiString[][] KNOWN_BY_LENGTH = byLength("Date", "ETag", "Vary", "Server", "Expires",
            "Location", "Connection", "Keep-Alive", "Set-Cookie", "Content-Type", "Cache-Control", "Last-Modified",
            "Accept-Ranges", "Content-Length", "Content-Encoding", "Transfer-Encoding");
    /** RFC 9110 §5.6.2 tchar. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    /** A parsed head and its framing. {@code contentLength} is -1 when the body runs until the close. */
    record Head(HttpResponse response, boolean noBody, boolean chunked, long contentLength) {
    }

    private ResponseHeadParser() {
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

    /** Parses {@code head} (from the status line to the empty line's CRLF) answering a request of {@code method}. */
    static Head parse(byte[] head, HttpMethod method) {
        int lineEnd = lineEnd(head, 0);
        HttpVersion version = version(head, lineEnd);
        boolean http10 = head[7] == '0';
        int code = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
        HttpResponseStatus status = status(head, code, lineEnd);
        HttpHeaders headers = HEADERS.newHeaders();
        Fields fields = new Fields(head, headers);
        fieldLines(head, lineEnd + 2, head.length - 2, fields);
        fields.flush();
        long contentLength = -1;
        if (fields.contentLengths != null) {
            contentLength = contentLength(fields.contentLengths, http10);
            String first = fields.contentLengths.getFirst().toString();
            if (fields.contentLengths.size() > 1 || !first.equals(Long.toString(contentLength))) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(contentLength));
            }
        }
        HttpResponse response = new DefaultHttpResponse(version, status, headers);
        // RFC 9112 §6.3: no body after 1xx (a 101 hands the connection over), 204, 304, nor a HEAD's response.
        if (code < 200 || code == 204 || code == 304 || HttpMethod.HEAD.equals(method)) {
            return new Head(response, true, false, 0);
        }
        if (fields.chunked) {
            if (fields.contentLengths != null && !http10) {
                headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
            return new Head(response, false, true, -1);
        }
        return new Head(response, false, false, contentLength);
    }

    /**
     * Checks the lines of a head still arriving ({@code lines}: the status line and the field lines so far, each with
     * its CRLF), so that a malformed one is refused when it comes, as Netty's line-by-line decoder refuses it, not once
     * the head is whole (which it may never be). The last field is not checked yet: a continuation line may follow.
     */
    static void check(byte[] lines) {
        int lineEnd = lineEnd(lines, 0);
        version(lines, lineEnd);
        status(lines, (lines[9] - '0') * 100 + (lines[10] - '0') * 10 + (lines[11] - '0'), lineEnd);
        fieldLines(lines, lineEnd + 2, lines.length, new Fields(lines, HEADERS.newHeaders()));
    }

    private static void fieldLines(byte[] bytes, int from, int end, Fields fields) {
        for (int start = from, lineEnd; start < end; start = lineEnd + 2) {
            lineEnd = lineEnd(bytes, start);
            fields.line(start, lineEnd, true);
        }
    }

    private static int lineEnd(byte[] head, int from) {
        for (int i = from; ; i++) {
            if (head[i] == '\n') {
                return i - 1; // the CR before it (checked by the decoder)
            }
        }
    }

    private static HttpVersion version(byte[] head, int lineEnd) {
        if (lineEnd < 12 || head[0] != 'H' || head[1] != 'T' || head[2] != 'T' || head[3] != 'P' || head[4] != '/'
                || head[5] != '1' || head[6] != '.' || (head[7] != '1' && head[7] != '0') || head[8] != ' '
                || head[9] < '1' || head[9] > '5' || !isDigit(head[10]) || !isDigit(head[11])
                || (lineEnd > 12 && head[12] != ' ')) {
            throw new IllegalArgumentException("not an HTTP/1.x status line with a status from 100 to 599");
        }
        return head[7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** The status with its reason phrase trimmed of spaces and tabs; the shared constant when it is the usual one. */
    private static HttpResponseStatus status(byte[] head, int code, int lineEnd) {
        int start = Math.min(13, lineEnd);
        int end = lineEnd;
        for (int i = start; i < end; i++) {
            int b = head[i] & 0xFF;
            if ((b < 0x20 && b != '\t') || b == 0x7F) {
                throw new IllegalArgumentException("a control character in the reason phrase");
            }
        }
        while (start < end && isOws(head[start])) {
            start++;
        }
        while (end > start && isOws(head[end - 1])) {
            end--;
        }
        HttpResponseStatus usual = HttpResponseStatus.valueOf(code);
        String phrase = usual.reasonPhrase();
        int length = end - start;
        if (phrase.length() == length) {
            int i = 0;
            while (i < length && phrase.charAt(i) == head[start + i]) {
                i++;
            }
            if (i == length) {
                return usual;
            }
        }
        return new HttpResponseStatus(code, new String(head, start, length, StandardCharsets.ISO_8859_1));
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    /** Java's whitespace among the bytes below 128 (what Netty's decoder skips or refuses around a value). */
    private static boolean isWhitespace(byte b) {
        return b >= 0 && Character.isWhitespace(b);
    }

    /** RFC 9110 §8.6 and Netty's rules: one non-negative decimal (HTTP/1.0: the first of several). */
    private static long contentLength(List<CharSequence> values, boolean http10) {
        String first = values.getFirst().toString();
        if ((values.size() > 1 || first.indexOf(',') >= 0) && !http10) {
            throw new IllegalArgumentException("Multiple Content-Length values found: " + values);
        }
        if (first.isEmpty() || !isDigit((byte) first.charAt(0))) {
            throw new IllegalArgumentException("Content-Length value is not a number: " + first);
        }
        return Long.parseLong(first); // only digits pass; an overflow throws NumberFormatException
    }

    /**
     * Field lines of the trailer section of a chunked body, {@code from} the first to {@code to} (after the last one's
     * CRLF): fields as in a head, except that {@code Content-Length}, {@code Transfer-Encoding} and {@code Trailer} are
     * dropped (RFC 9110 §6.5.1) and a continuation line is refused (RFC 9112 §5.2).
     */
    static void trailers(ByteBuf in, int from, int to, HttpHeaders trailers) {
        byte[] bytes = new byte[to - from];
        in.getBytes(from, bytes);
        Fields fields = new Fields(bytes, trailers);
        fields.trailers = true;
        for (int start = 0, lineEnd; start < bytes.length; start = lineEnd + 2) {
            lineEnd = lineEnd(bytes, start);
            fields.line(start, lineEnd, false);
        }
        fields.flush();
    }

    /** A chunk-size line without its CRLF: hex digits after optional whitespace, then optionally extensions. */
    static int chunkSize(ByteBuf in, int start, int end) {
        int i = start;
        while (i < end && isWhitespace(in.getByte(i))) {
            i++;
        }
        long size = 0;
        int digits = 0;
        for (; i < end; i++, digits++) {
            byte b = in.getByte(i);
            int digit = Character.digit(b, 16);
            if (b < 0 || digit < 0) {
                if (digits > 0 && (b == ';' || (b >= 0 && b <= ' '))) { // extensions, or Netty's leniency
                    break;
                }
                throw new NumberFormatException("Invalid chunk size");
            }
            size = size * 16 + digit;
            if (size > Integer.MAX_VALUE) {
                throw new NumberFormatException("Chunk size overflow");
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("Empty chunk size");
        }
        return (int) size;
    }

    /** The field lines of one head or trailer section, added to its table as they are read. */
    private static final class Fields {
        private final byte[] bytes;
        private final HttpHeaders headers;
        private boolean trailers;
        private AsciiString name;
        private int valueStart;
        private int valueEnd;
        /** The value once an obs-fold joined a line to it. */
        private String folded;
        List<CharSequence> contentLengths;
        boolean chunked;

        Fields(byte[] bytes, HttpHeaders headers) {
            this.bytes = bytes;
            this.headers = headers;
        }

        /** One field line, {@code start} to {@code end} (its CR). */
        void line(int start, int end, boolean joinFolds) {
            byte first = bytes[start];
            if (isOws(first) && name != null) {
                if (joinFolds) {
                    int s = start;
                    int e = end;
                    while (s < e && (bytes[s] & 0xFF) <= ' ') {
                        s++;
                    }
                    while (e > s && (bytes[e - 1] & 0xFF) <= ' ') {
                        e--;
                    }
                    folded = value().toString() + ' ' + new String(bytes, s, e - s, StandardCharsets.ISO_8859_1);
                } else {
                    // Netty refuses one after a field it kept, and one starting a read; RFC 9112 §5.2 lets a recipient
                    // refuse obs-fold: so is every one here, whatever came before and however the bytes arrived.
                    throw new IllegalArgumentException("a continuation line in the trailers");
                }
                return;
            }
            flush();
            int nameEnd = start;
            while (nameEnd < end && bytes[nameEnd] != ':' && !isOws(bytes[nameEnd])) {
                int b = bytes[nameEnd];
                if (b < 0 || !TCHAR[b]) {
                    throw new IllegalArgumentException("a field name can only contain token characters");
                }
                nameEnd++;
            }
            if (nameEnd == end) {
                throw new IllegalArgumentException("No colon found");
            }
            if (nameEnd == start) {
                throw new IllegalArgumentException("empty field name");
            }
            int colonEnd = nameEnd;
            while (colonEnd < end && bytes[colonEnd++] != ':') {
                // whitespace (or anything) between the name and the colon is dropped, as Netty does
            }
            int v = colonEnd;
            while (v < end && isWhitespace(bytes[v])) {
                if (!isOws(bytes[v])) {
                    throw new IllegalArgumentException("Invalid separator, only a single space or horizontal tab");
                }
                v++;
            }
            int e = end;
            while (e > v && isOws(bytes[e - 1])) {
                e--;
            }
            name = name(start, nameEnd - start);
            valueStart = v;
            valueEnd = e;
            folded = null;
        }

        private CharSequence value() {
            return folded != null ? folded : valueStart == valueEnd ? AsciiString.EMPTY_STRING
                    : new AsciiString(bytes, valueStart, valueEnd - valueStart, false);
        }

        /** Adds the field read last, if any, once it is known to be whole (no obs-fold follows). */
        void flush() {
            AsciiString n = name;
            if (n == null) {
                return;
            }
            name = null;
            CharSequence value = value();
            if (trailers && dropped(n)) {
                return; // not checked either
            }
            validateValue(value);
            headers.add(n, value);
            if (trailers) {
                return;
            }
            if (n.length() == 14 && HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(n)) {
                if (contentLengths == null) {
                    contentLengths = new ArrayList<>(1);
                }
                contentLengths.add(value);
            } else if (n.length() == 17 && HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(n)) {
                chunked |= hasChunked(value);
            }
        }

        /** The fields a trailer section must not carry (RFC 9110 §6.5.1): dropped. */
        private static boolean dropped(AsciiString name) {
            return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                    || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                    || HttpHeaderNames.TRAILER.contentEqualsIgnoreCase(name);
        }

        /** RFC 9110 §5.5 field-content: no control character but HTAB, nor a leading space. */
        private static void validateValue(CharSequence value) {
            int length = value.length();
            for (int i = 0; i < length; i++) {
                int b = value.charAt(i);
                if ((b < 0x20 && (b != '\t' || i == 0)) || b == 0x7F || (i == 0 && b == ' ')) {
                    throw new IllegalArgumentException("a field value contains a prohibited character");
                }
            }
        }

        private static boolean hasChunked(CharSequence value) {
            int length = value.length();
            int start = 0;
            while (start <= length) {
                int comma = start;
                while (comma < length && value.charAt(comma) != ',') {
                    comma++;
                }
                int s = start;
                int e = comma;
                while (s < e && value.charAt(s) <= ' ') {
                    s++;
                }
                while (e > s && value.charAt(e - 1) <= ' ') {
                    e--;
                }
                if (e - s == 7 && AsciiString.contentEqualsIgnoreCase(value.subSequence(s, e), "chunked")) {
                    return true;
                }
                start = comma + 1;
            }
            return false;
        }

        private AsciiString name(int start, int length) {
            AsciiString[] candidates = length < KNOWN_BY_LENGTH.length ? KNOWN_BY_LENGTH[length] : null;
            if (candidates != null) {
                for (AsciiString known : candidates) {
                    if (Arrays.equals(known.array(), 0, length, bytes, start, start + length)) {
                        return known;
                    }
                }
            }
            return new AsciiString(bytes, start, length, false);
        }
    }
}
