package dev.porter.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import dev.porter.config.ServerConfig;

/**
 * Coverage-guided fuzzing (Jazzer) of the chunked request body framing (RFC 9112 section 7.1) against a reference
 * reading of the RFC written here, independently of the code under test: a line-by-line parse of the whole input
 * where {@link ChunkFramingCheck} is a byte-at-a-time state machine.
 *
 * <ul>
 * <li>{@code checkAgreesWithRfc9112}: {@link ChunkFramingCheck} alone. It refuses a body exactly when the reference
 * finds a bad chunk-size line ({@code 1*HEXDIG [ *(SP / HTAB) ";" extension ] CRLF}, extension bytes visible, obs-text,
 * SP or HTAB) or a bad trailer line (not ended by CRLF, folded, or holding a control character), and in particular
 * never accepts a size over 2^31-1 (the largest chunk Netty can frame: a larger one would wrap). The CRLF after the
 * data and the field syntax of trailers are the decoder's, so the reference does not look at them in this mode.</li>
 * <li>{@code codecNeverMisframes}: a chunked POST through {@link StrictServerCodec} (Netty's decoder plus the check,
 * configured as {@link FrontPipeline} does), in three packets, followed by a {@code GET /next}. Whenever the codec
 * ends the body successfully, the reference (now with the CRLFs and trailer fields checked too, over the same bytes)
 * has read a complete body with the very same data, and when the reference ends it exactly before
 * {@code GET /next}, that request decodes; whenever the reference reads a complete body without trailer fields, the
 * codec accepts it too (no valid body refused).</li>
 * </ul>
 * Without {@code JAZZER_FUZZ=1} each method replays its stored inputs only (regression mode); reliability/fuzz fuzzes.
 */
class ChunkFramingFuzzTest {

    private static final long MAX_CHUNK = Integer.MAX_VALUE;
    private static final byte[] HEAD = ("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "15s")
    void checkAgreesWithRfc9112(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        Reading reference = Reading.of(body, true);
        // After the last chunk the check starts over for the next chunked request; the reference stops there.
        int upTo = reference.end >= 0 ? reference.end : body.length;
        ChunkFramingCheck check = new ChunkFramingCheck();
        int refusedAt = -1;
        for (int i = 0; i < upTo; i++) {
            if (!check.process(body[i])) {
                refusedAt = i;
                break;
            }
        }
        if (reference.errorAt >= 0) {
            assertThat(refusedAt).as("the check accepts %s, which the reference refuses at byte %d (%s)",
                    show(body), reference.errorAt, reference.why).isGreaterThanOrEqualTo(0);
            assertThat(check.problem()).isNotBlank();
        } else {
            assertThat(refusedAt).as("the check refuses %s at byte %d (%s); the reference accepts it", show(body),
                    refusedAt, check.problem()).isEqualTo(-1);
        }
    }

    @FuzzTest(maxDuration = "15s")
    void codecNeverMisframes(FuzzedDataProvider data) {
        int cut1 = data.consumeInt(0, 64);
        int cut2 = data.consumeInt(0, 64);
        byte[] body = data.consumeRemainingAsBytes();
        byte[] input = new byte[HEAD.length + body.length + NEXT.length];
        System.arraycopy(HEAD, 0, input, 0, HEAD.length);
        System.arraycopy(body, 0, input, HEAD.length, body.length);
        System.arraycopy(NEXT, 0, input, HEAD.length + body.length, NEXT.length);
        // The reference reads what the codec reads: the fuzzed bytes and the request after them.
        Reading reference = Reading.of(Arrays.copyOfRange(input, HEAD.length, input.length), false);

        EmbeddedChannel ch = new EmbeddedChannel(new StrictServerCodec(StrictServerCodec.decoderConfig(
                new ServerConfig.WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 16384))));
        int a = Math.min(input.length, HEAD.length + cut1);
        int b = Math.min(input.length, Math.max(a, HEAD.length + cut1 + cut2));
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        int requests = 0;
        Boolean bodyEnded = null; // null: no end yet; true: a successful end; false: a failed one
        String bodyProblem = null;
        HttpRequest second = null;
        try {
            for (int[] part : new int[][] {{0, a}, {a, b}, {b, input.length}}) {
                if (part[1] > part[0]) {
                    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, part[0], part[1])));
                }
                Object msg;
                while ((msg = ch.readInbound()) != null) {
                    try {
                        if (msg instanceof HttpRequest request) {
                            requests++;
                            if (requests == 1) {
                                assertThat(request.decoderResult().isSuccess()).as("the fixed head").isTrue();
                            } else if (requests == 2) {
                                second = request;
                            }
                        }
                        if (requests == 1 && bodyEnded == null && msg instanceof HttpContent content) {
                            if (content.decoderResult().isSuccess()) {
                                received.writeBytes(ByteBufUtil.getBytes(content.content()));
                            }
                            if (content instanceof LastHttpContent) {
                                bodyEnded = content.decoderResult().isSuccess();
                                bodyProblem = String.valueOf(content.decoderResult().cause());
                            }
                        }
                    } finally {
                        ReferenceCountUtil.release(msg);
                    }
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        if (Boolean.TRUE.equals(bodyEnded)) {
            assertThat(reference.errorAt).as("the codec accepts the chunked body %s, which the reference refuses at "
                    + "byte %d (%s)", show(body), reference.errorAt, reference.why).isEqualTo(-1);
            assertThat(reference.end).as("the codec ends the chunked body %s, which the reference has not seen end",
                    show(body)).isGreaterThanOrEqualTo(0);
            assertThat(received.toByteArray()).as("body data of %s", show(body)).isEqualTo(reference.data.toByteArray());
            if (reference.end == body.length) {
                assertThat(second != null && second.decoderResult().isSuccess() && second.uri().equals("/next"))
                        .as("the request after the body %s is GET /next (%s)", show(body), second).isTrue();
            }
        }
        if (reference.end >= 0 && !reference.trailerFields) {
            assertThat(bodyEnded).as("the codec refuses the valid chunked body %s: %s", show(body), bodyProblem)
                    .isTrue();
        }
    }

    private static String show(byte[] bytes) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
            if (s.length() > 300) {
                return s.append("...\"").toString();
            }
        }
        return s.append('"').toString();
    }

    /**
     * The reference: RFC 9112 section 7.1 read as a whole, line by line.
     * <pre>
     * chunked-body = *chunk last-chunk trailer-section CRLF
     * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
     * chunk-size   = 1*HEXDIG                      (any number of leading zeros; value at most 2^31-1 here)
     * chunk-ext    = *( BWS ";" ... )             (after the first ";": VCHAR / obs-text / SP / HTAB)
     * last-chunk   = 1*("0") [ chunk-ext ] CRLF
     * </pre>
     * Trailer lines end in CRLF, do not start with SP or HTAB (obs-fold) and hold no control character but HTAB.
     * {@code framingOnly}: the CRLF after chunk data is not checked (anything up to the LF), nor the field syntax of
     * trailer lines: the scope of {@link ChunkFramingCheck}. Otherwise they are: CRLF exactly, trailer fields
     * {@code token ":" value}.
     */
    static final class Reading {
        /** Index of the first byte shown to be wrong, or -1. */
        int errorAt = -1;
        String why;
        /** Index just past the body (after the empty line ending the trailer section), or -1: not complete yet. */
        int end = -1;
        boolean trailerFields;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();

        private Reading error(int at, String reason) {
            errorAt = at;
            why = reason;
            return this;
        }

        static Reading of(byte[] in, boolean framingOnly) {
            Reading r = new Reading();
            int n = in.length;
            int p = 0;
            while (true) {
                int start = p;
                long size = 0;
                while (p < n && Character.digit(in[p] & 0xff, 16) >= 0) {
                    size = size * 16 + Character.digit(in[p] & 0xff, 16);
                    if (size > MAX_CHUNK) {
                        return r.error(p, "chunk size over 2^31-1");
                    }
                    p++;
                }
                if (p == n) {
                    return r;
                }
                if (p == start) {
                    return r.error(p, "no hex digit at the start of a chunk-size line");
                }
                int q = p;
                while (q < n && (in[q] == ' ' || in[q] == '\t')) {
                    q++;
                }
                if (q == n) {
                    return r;
                }
                if (in[q] == ';') {
                    p = q + 1;
                    while (p < n && in[p] != '\r') {
                        int c = in[p] & 0xff;
                        if ((c < 0x20 && c != '\t') || c == 0x7f) {
                            return r.error(p, "control character in a chunk extension");
                        }
                        p++;
                    }
                    if (p == n) {
                        return r;
                    }
                } else if (q != p) {
                    return r.error(q, "whitespace after the chunk size not followed by ';'");
                }
                if (in[p] != '\r') {
                    return r.error(p, "chunk-size line not ended by CRLF");
                }
                if (p + 1 == n) {
                    return r;
                }
                if (in[p + 1] != '\n') {
                    return r.error(p + 1, "CR not followed by LF after a chunk size");
                }
                p += 2;
                if (size == 0) {
                    break;
                }
                if (n - p < size) {
                    r.data.write(in, p, n - p);
                    return r;
                }
                r.data.write(in, p, (int) size);
                p += (int) size;
                if (framingOnly) {
                    while (p < n && in[p] != '\n') {
                        p++;
                    }
                    if (p == n) {
                        return r;
                    }
                    p++;
                } else {
                    if (p == n) {
                        return r;
                    }
                    if (in[p] != '\r') {
                        return r.error(p, "chunk data not followed by CRLF");
                    }
                    if (p + 1 == n) {
                        return r;
                    }
                    if (in[p + 1] != '\n') {
                        return r.error(p + 1, "CR not followed by LF after chunk data");
                    }
                    p += 2;
                }
            }
            // trailer-section = *( field-line CRLF ), then CRLF
            while (true) {
                int lineStart = p;
                while (p < n && in[p] != '\r' && in[p] != '\n') {
                    int c = in[p] & 0xff;
                    if (p == lineStart && (c == ' ' || c == '\t')) {
                        return r.error(p, "obsolete line folding in the trailer section");
                    }
                    if ((c < 0x20 && c != '\t') || c == 0x7f) {
                        return r.error(p, "control character in the trailer section");
                    }
                    p++;
                }
                if (p == n) {
                    return r;
                }
                if (in[p] == '\n') {
                    return r.error(p, "bare LF in the trailer section");
                }
                if (p + 1 == n) {
                    return r;
                }
                if (in[p + 1] != '\n') {
                    return r.error(p + 1, "CR not followed by LF in the trailer section");
                }
                if (p == lineStart) {
                    r.end = p + 2;
                    return r;
                }
                if (!framingOnly) {
                    int bad = fieldLineError(in, lineStart, p);
                    if (bad >= 0) {
                        return r.error(bad, "malformed trailer field line");
                    }
                }
                r.trailerFields = true;
                p += 2;
            }
        }

        /** {@code token ":" OWS value OWS}, value without control characters but HTAB; index of a bad byte or -1. */
        private static int fieldLineError(byte[] in, int from, int to) {
            int i = from;
            while (i < to && isTchar(in[i] & 0xff)) {
                i++;
            }
            if (i == from || i == to || in[i] != ':') {
                return i;
            }
            for (i++; i < to; i++) {
                int c = in[i] & 0xff;
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    return i;
                }
            }
            return -1;
        }

        private static boolean isTchar(int c) {
            return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }
}
