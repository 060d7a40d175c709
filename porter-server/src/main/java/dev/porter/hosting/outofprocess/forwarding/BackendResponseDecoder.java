package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Decodes a proxy-to-server connection's responses (RFC 9112 §4–§7) into the messages Netty's
 * {@code HttpResponseDecoder} makes ({@link HttpResponse}, {@link HttpContent}, {@link LastHttpContent}, and after a
 * 101 the raw bytes), with its rules and limits, for this one leg only: a head is parsed once it is whole, straight
 * from one copy of its bytes, its fields validated in that one pass ({@link ResponseHeadParser}) and kept as views on
 * that copy, with the framing read as the fields go by; no per-line copy, no per-value string, no second validation
 * by the header table, no per-response trailer table. A backend's response that breaks a rule becomes a message with
 * a failed {@link DecoderResult}, as with Netty's decoder, which the {@link ProxyExchange} answers with 502.3
 * ({@link ForwardingError#INVALID_RESPONSE}); after that the connection's bytes are discarded until it is closed.
 *
 * <p>It knows the method of the request each response answers ({@link #expect}): a response to {@code HEAD} has no
 * body, whatever its framing fields say. Every 101 switches the connection to raw bytes (only a WebSocket upgrade
 * asked for it; any other 101 the exchange refuses and closes the connection). State is confined to the connection's
 * event loop.
 */
final class BackendResponseDecoder extends ChannelInboundHandlerAdapter {

    /** Longest status line and longest chunk-size line, CRLF excluded (as Netty's maxInitialLineLength). */
    static final int MAX_LINE = 8192;
    /** The field lines of a head and its trailers together, CRLFs excluded (WinHTTP's 64 KiB, §1.4). */
    static final int MAX_HEADER_SIZE = 65536;
    /** Largest piece of body handed on at a time. */
    static final int MAX_CHUNK = 64 * 1024;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, UPGRADED, BAD }

    private State state = State.HEAD;
    private HttpMethod method = HttpMethod.GET;
    /** Bytes of an unfinished line (a head, a chunk-size line or trailers split across reads). */
    private ByteBuf held;
    /** Where the next line of the unfinished head or trailers starts, relative to the reader index. */
    private int scanned;
    /** Field-line bytes counted so far against {@link #MAX_HEADER_SIZE} (the head's, then its trailers'). */
    private int headerSize;
    /** How much of the unfinished head {@link ResponseHeadParser#check} has seen. */
    private int checked;
    /** Whether the status line of the head being scanned is complete. */
    private boolean statusLineSeen;
    private long remaining;
    private boolean firedSinceComplete;

    /** The method of the request now sent: the next response answers it. */
    void expect(HttpMethod requestMethod) {
        this.method = requestMethod;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf incoming)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (state == State.UPGRADED && held == null) {
            fire(ctx, incoming);
            return;
        }
        ByteBuf in = incoming;
        if (held != null) {
            held.writeBytes(incoming);
            incoming.release();
            in = held;
            held = null;
        }
        try {
            decode(ctx, in);
        } finally {
            if (!in.isReadable()) {
                in.release();
            } else if (ctx.isRemoved()) {
                // A tunnel relay took over during a read (the 101 reached the client at once): the bytes after the
                // 101 are the tunnel's, and go on to the relay now in this stage's place.
                ctx.fireChannelRead(in);
                ctx.fireChannelReadComplete();
            } else {
                held = keep(ctx, in);
            }
        }
    }

    /** What is left of {@code in} (a line not yet whole), in a buffer the next read is appended to. */
    private static ByteBuf keep(ChannelHandlerContext ctx, ByteBuf in) {
        ByteBuf copy = ctx.alloc().heapBuffer(Math.max(1024, in.readableBytes() * 2));
        copy.writeBytes(in);
        in.release();
        return copy;
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable() && !ctx.isRemoved()) {
            switch (state) {
                case HEAD -> {
                    if (!readHead(ctx, in)) {
                        return;
                    }
                }
                case FIXED -> {
                    int n = (int) Math.min(Math.min(in.readableBytes(), MAX_CHUNK), remaining);
                    ByteBuf piece = in.readRetainedSlice(n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.HEAD;
                        fire(ctx, new DefaultLastHttpContent(piece, EmptyHttpHeaders.INSTANCE));
                    } else {
                        fire(ctx, new DefaultHttpContent(piece));
                    }
                }
                case UNTIL_CLOSE -> fire(ctx, new DefaultHttpContent(
                        in.readRetainedSlice(Math.min(in.readableBytes(), MAX_CHUNK))));
                case CHUNK_SIZE -> {
                    if (!readChunkSize(ctx, in)) {
                        return;
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(Math.min(in.readableBytes(), MAX_CHUNK), remaining);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                    fire(ctx, new DefaultHttpContent(in.readRetainedSlice(n)));
                }
                case CHUNK_END -> {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.readByte() != CR || in.readByte() != LF) {
                        badChunk(ctx, in, new IllegalArgumentException("a chunk's data does not end with CRLF"));
                    } else {
                        state = State.CHUNK_SIZE;
                    }
                }
                case TRAILERS -> {
                    if (!readTrailers(ctx, in)) {
                        return;
                    }
                }
                case UPGRADED -> fire(ctx, in.readRetainedSlice(in.readableBytes()));
                case BAD -> in.skipBytes(in.readableBytes());
            }
        }
    }

    // ---- the head ---------------------------------------------------------------------------------------------------

    /** Reads a whole head, or returns false to wait for more bytes (or after a failure, having fired it). */
    private boolean readHead(ChannelHandlerContext ctx, ByteBuf in) {
        if (!statusLineSeen && scanned == 0 && !skipLeadingControls(in)) {
            return false;
        }
        int end;
        try {
            end = scanHead(in);
        } catch (RuntimeException tooLong) {
            badHead(ctx, in, tooLong);
            return false;
        }
        if (end < 0) {
            if (statusLineSeen && scanned > checked) {
                // Not whole yet: the lines so far are checked now (this costs only a head split across reads).
                checked = scanned;
                byte[] lines = new byte[scanned];
                in.getBytes(in.readerIndex(), lines);
                try {
                    ResponseHeadParser.check(lines);
                } catch (RuntimeException malformed) {
                    badHead(ctx, in, malformed);
                }
            }
            return false;
        }
        int length = end - in.readerIndex();
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        scanned = 0;
        checked = 0;
        statusLineSeen = false;
        ResponseHeadParser.Head head;
        try {
            head = ResponseHeadParser.parse(bytes, method);
        } catch (RuntimeException malformed) { // (a bug here too: the response is refused, never thrown)
            badHead(ctx, in, malformed);
            return false;
        }
        HttpResponse response = head.response();
        if (head.noBody()) {
            headerSize = 0;
            state = head.response().status().code() == 101 ? State.UPGRADED : State.HEAD;
            fire(ctx, response);
            if (!ctx.isRemoved()) { // (a tunnel relay may have replaced this stage: nothing of HTTP goes to it)
                fire(ctx, LastHttpContent.EMPTY_LAST_CONTENT);
            }
        } else if (head.chunked()) {
            state = State.CHUNK_SIZE;
            fire(ctx, response);
        } else if (head.contentLength() == 0) {
            headerSize = 0;
            state = State.HEAD;
            fire(ctx, response);
            fire(ctx, LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            headerSize = 0;
            remaining = head.contentLength();
            state = remaining > 0 ? State.FIXED : State.UNTIL_CLOSE;
            fire(ctx, response);
        }
        return true;
    }

    /** Bytes up to space (controls, whitespace) before a status line are skipped, as Netty does; false: all were. */
    private static boolean skipLeadingControls(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        for (int i = start; i < end; i++) {
            byte b = in.getByte(i);
            if (b < 0 || b > ' ') {
                in.readerIndex(i);
                return true;
            }
        }
        in.readerIndex(end);
        return false;
    }

    /**
     * Finds the end of the head (the index after its empty line), or -1 while it is not whole; remembers how far it
     * got, so that a head arriving in many reads is scanned once. Throws when a line or the fields are too long.
     */
    private int scanHead(ByteBuf in) {
        int base = in.readerIndex();
        int end = in.writerIndex();
        while (true) {
            int lineStart = base + scanned;
            int limit = statusLineSeen ? MAX_HEADER_SIZE - headerSize : MAX_LINE;
            int lf = in.indexOf(lineStart, (int) Math.min(end, lineStart + (long) limit + 2), LF);
            if (lf < 0) {
                if (end - lineStart > limit) {
                    throw tooLong();
                }
                return -1;
            }
            int lineLength = lf - lineStart;
            if (lineLength == 0 || in.getByte(lf - 1) != CR) {
                throw new IllegalArgumentException("a line of the response head does not end with CRLF");
            }
            lineLength--;
            if (lineLength > limit) {
                throw tooLong();
            }
            scanned = lf + 1 - base;
            if (!statusLineSeen) {
                statusLineSeen = true;
            } else if (lineLength == 0) {
                return lf + 1;
            } else {
                headerSize += lineLength;
            }
        }
    }

    private RuntimeException tooLong() {
        return statusLineSeen ? new TooLongHttpHeaderException("HTTP header is larger than " + MAX_HEADER_SIZE
                + " bytes.") : new TooLongHttpLineException("An HTTP line is larger than " + MAX_LINE + " bytes.");
    }

    // ---- chunked bodies ---------------------------------------------------------------------------------------------

    private boolean readChunkSize(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, (int) Math.min(in.writerIndex(), start + (long) MAX_LINE + 2), LF);
        try {
            if (lf < 0) {
                if (in.readableBytes() > MAX_LINE) {
                    throw new TooLongHttpLineException("An HTTP line is larger than " + MAX_LINE + " bytes.");
                }
                return false;
            }
            if (lf == start || in.getByte(lf - 1) != CR) {
                throw new IllegalArgumentException("a chunk-size line does not end with CRLF");
            }
            if (lf - 1 - start > MAX_LINE) {
                throw new TooLongHttpLineException("An HTTP line is larger than " + MAX_LINE + " bytes.");
            }
            int size = ResponseHeadParser.chunkSize(in, start, lf - 1);
            in.readerIndex(lf + 1);
            remaining = size;
            state = size == 0 ? State.TRAILERS : State.CHUNK_DATA;
            return true;
        } catch (RuntimeException malformed) {
            badChunk(ctx, in, malformed);
            return false;
        }
    }

    private boolean readTrailers(ChannelHandlerContext ctx, ByteBuf in) {
        int end;
        statusLineSeen = true; // field lines only: a line too long counts against the header size
        try {
            end = scanHead(in);
        } catch (RuntimeException tooLong) {
            badChunk(ctx, in, tooLong);
            return false;
        }
        if (end < 0) {
            if (scanned > checked) {
                // Not whole yet: the lines so far are checked now, as Netty adds each trailer when it comes.
                checked = scanned;
                try {
                    ResponseHeadParser.trailers(in, in.readerIndex(), in.readerIndex() + scanned,
                            DefaultHttpHeadersFactory.trailersFactory().newHeaders());
                } catch (RuntimeException malformed) {
                    badChunk(ctx, in, malformed);
                }
            }
            return false;
        }
        int length = end - in.readerIndex();
        LastHttpContent last;
        if (length == 2) {
            last = LastHttpContent.EMPTY_LAST_CONTENT;
        } else {
            last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, DefaultHttpHeadersFactory.trailersFactory());
            try {
                ResponseHeadParser.trailers(in, in.readerIndex(), end - 2, last.trailingHeaders());
            } catch (RuntimeException malformed) { // (a bug here too: the response is refused, never thrown)
                badChunk(ctx, in, malformed);
                return false;
            }
        }
        in.readerIndex(end);
        scanned = 0;
        checked = 0;
        statusLineSeen = false;
        headerSize = 0;
        state = State.HEAD;
        fire(ctx, last);
        return true;
    }

    // ---- failures and the end -------------------------------------------------------------------------------------

    private void badHead(ChannelHandlerContext ctx, ByteBuf in, Exception cause) {
        HttpResponse invalid = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.BAD_REQUEST,
                ResponseHeadParser.HEADERS.newHeaders());
        invalid.setDecoderResult(DecoderResult.failure(cause));
        fail(in);
        fire(ctx, invalid);
    }

    private void badChunk(ChannelHandlerContext ctx, ByteBuf in, Exception cause) {
        HttpContent invalid = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, EmptyHttpHeaders.INSTANCE);
        invalid.setDecoderResult(DecoderResult.failure(cause));
        fail(in);
        fire(ctx, invalid);
    }

    private void fail(ByteBuf in) {
        state = State.BAD;
        in.skipBytes(in.readableBytes());
    }

    private void fire(ChannelHandlerContext ctx, Object msg) {
        firedSinceComplete = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!firedSinceComplete && !ctx.channel().config().isAutoRead()) {
            ctx.read(); // a partial line came while reads are paused: without more bytes nothing would resume them
        }
        firedSinceComplete = false;
        ctx.fireChannelReadComplete();
    }

    /**
     * The backend closed: a body delimited by the close ends here; a head cut off after its status line is a malformed
     * response (as Netty reports it); a body cut short of its length or its last chunk ends without a last piece, so
     * the exchange sees the close as a truncation.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.UNTIL_CLOSE) {
            state = State.HEAD;
            fire(ctx, LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (state == State.HEAD && statusLineSeen) {
            ByteBuf none = Unpooled.EMPTY_BUFFER;
            badHead(ctx, none, new PrematureChannelClosureException("Connection closed before received headers"));
        }
        releaseHeld();
        ctx.fireChannelInactive();
    }

    /** Replaced by a tunnel relay: bytes still held go on to it. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf rest = held;
        held = null;
        if (rest != null && rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else if (rest != null) {
            rest.release();
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
