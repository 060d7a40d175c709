package dev.porter.server.http1;

import io.netty.util.ByteProcessor;

/**
 * Checks the chunk-size lines and the trailer section of a chunked request body (RFC 9112 section 7.1) as
 * {@link StrictServerCodec}'s decoder consumes them, where Netty 4.2's own parser is lenient in ways two parsers of
 * the same bytes may disagree on:
 * <ul>
 * <li>a size over 2^31-1 silently wraps ({@code 100000003} is read as 3: the rest of a 4 GiB chunk becomes the next
 * request for a peer that reads the size right — chunk-size overflow smuggling);</li>
 * <li>whatever follows the hex digits after whitespace or a control character is ignored ({@code 3 x},
 * {@code 3\rabc}, {@code 3;a\0b}), and leading whitespace is skipped;</li>
 * <li>trailer fields named {@code Content-Length}, {@code Transfer-Encoding} or {@code Trailer} are dropped without
 * their values being validated (a bare CR or a NUL passes), and folded trailer lines are joined.</li>
 * </ul>
 * Allowed: {@code 1*HEXDIG} (at most 2^31-1, the largest chunk Netty can frame) then optionally
 * {@code *( BWS ";" ... )} extensions made of visible characters, SP and HTAB only; trailer lines end in CR LF, do
 * not start with whitespace and hold no control character but HTAB. The byte stream is walked in
 * step with the decoder (size line, data, CRLF, ..., last chunk, trailer lines, empty line); the decoder itself still
 * enforces the CRLF after chunk data. One instance per connection, used on its event loop; {@link #reset} per chunked
 * request.
 */
final class ChunkFramingCheck implements ByteProcessor {

    private enum State { SIZE, EXTENSION, DATA, DATA_END, TRAILER }

    private State state = State.SIZE;
    private long size;
    private int digits;
    private long remaining;
    private boolean sawSpace;
    private boolean sawCr;
    private boolean lineEmpty = true;
    private String problem;

    /** Starts over at the first chunk-size line of a new chunked body. */
    void reset() {
        state = State.SIZE;
        size = 0;
        digits = 0;
        sawSpace = false;
        sawCr = false;
        lineEmpty = true;
        problem = null;
    }

    /** What was wrong with the framing seen so far, or null. */
    String problem() {
        return problem;
    }

    @Override
    public boolean process(byte value) {
        int b = value & 0xff;
        if (sawCr && (state == State.SIZE || state == State.EXTENSION)) {
            if (b != '\n') {
                return fail("a CR not followed by LF in a chunk-size line");
            }
            sawCr = false;
            endOfSizeLine();
            return true;
        }
        switch (state) {
            case SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && !sawSpace) {
                    // Leading zeros are allowed (1*HEXDIG): the value bounds the size, not the digit count, and
                    // stops it before a long could overflow.
                    size = size * 16 + digit;
                    digits++;
                    if (size > Integer.MAX_VALUE) {
                        return fail("the chunk size overflows: it is larger than 2^31-1 bytes");
                    }
                } else if ((b == ' ' || b == '\t') && digits > 0) {
                    sawSpace = true; // BWS, allowed only before an extension
                } else if (b == '\n') {
                    return fail("a bare Line Feed ends a chunk-size line (RFC 9112 section 7.1 requires CR LF)");
                } else if (b == ';' && digits > 0) {
                    state = State.EXTENSION;
                } else if (b == '\r' && digits > 0 && !sawSpace) {
                    sawCr = true; // the decoder refuses a bare LF itself
                } else {
                    return fail("invalid chunk-size line (RFC 9112 section 7.1): byte 0x" + Integer.toHexString(b));
                }
            }
            case EXTENSION -> {
                if (b == '\r') {
                    sawCr = true;
                } else if (b == '\n') {
                    return fail("a bare Line Feed ends a chunk-size line (RFC 9112 section 7.1 requires CR LF)");
                } else if ((b < 0x20 && b != '\t') || b == 0x7f) {
                    return fail("control character 0x" + Integer.toHexString(b) + " in a chunk extension");
                }
            }
            case DATA -> {
                if (--remaining == 0) {
                    state = State.DATA_END;
                }
            }
            case DATA_END -> {
                if (b == '\n') {
                    state = State.SIZE;
                    size = 0;
                    digits = 0;
                    sawSpace = false;
                }
            }
            case TRAILER -> {
                // Netty drops trailer fields named Content-Length, Transfer-Encoding or Trailer without validating
                // their values, and joins folded lines: the trailer section gets the same rules as a head here.
                if (sawCr != (b == '\n')) {
                    return fail(sawCr ? "a CR not followed by LF in the trailer section (RFC 9112 section 2.2)"
                            : "a bare Line Feed ends a trailer line (RFC 9112 section 2.2 requires CR LF)");
                }
                if (b == '\n') {
                    sawCr = false;
                    if (lineEmpty) {
                        reset(); // body done; a new chunked request resets again anyway
                    }
                    lineEmpty = true;
                } else if (b == '\r') {
                    sawCr = true;
                } else if (lineEmpty && (b == ' ' || b == '\t')) {
                    return fail("a trailer line starts with whitespace (obsolete line folding, RFC 9112 section 5.2)");
                } else if ((b < 0x20 && b != '\t') || b == 0x7f) {
                    return fail("control character 0x" + Integer.toHexString(b) + " in the trailer section");
                } else {
                    lineEmpty = false;
                }
            }
        }
        return true;
    }

    private void endOfSizeLine() {
        if (size == 0) {
            state = State.TRAILER;
            lineEmpty = true;
        } else {
            remaining = size;
            state = State.DATA;
        }
    }

    private boolean fail(String message) {
        problem = message;
        return false;
    }
}
