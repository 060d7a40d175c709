package dev.porter.server.http1;

import dev.porter.config.ServerConfig;
import dev.porter.server.admission.Admission;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * Second stage, after the header timeout: HTTP/1.x request decoding and response encoding, like Netty's
 * {@code HttpServerCodec} (the encoder knows which request method each response answers, so HEAD responses carry no
 * body) but stricter (RFC 9112):
 * <ul>
 * <li>a request with both {@code Content-Length} and {@code Transfer-Encoding} is refused instead of having its
 * Content-Length dropped (§6.1 allows either; refusing closes the CL.TE/TE.CL smuggling path for good);</li>
 * <li>obsolete line folding (a header line starting with SP or HTAB, §5.2) is refused: Netty 4.2 joins such lines
 * silently, which two parsers of the same bytes may not agree on;</li>
 * <li>the whole head (request line and header block) counts against one limit, as http.sys's MaxRequestBytes does
 * (Netty bounds the two separately): over it the request fails with {@code TooLongHttpHeaderException} (431);</li>
 * <li>chunk-size lines are checked by {@link ChunkFramingCheck} (Netty wraps sizes over 2^31-1 and ignores what
 * follows the digits); a bad one fails the body with a failed {@code LastHttpContent};</li>
 * <li>the protocol name must be exactly {@code HTTP} (RFC 9112 section 2.3: case-sensitive; Netty upper-cases it).</li>
 * </ul>
 * Bare LF line ends, NUL/CR/other controls in values, whitespace before the colon and bad chunk framing are refused by
 * Netty itself with the configuration {@link FrontPipeline} gives ({@code strictLineParsing}, {@code validateHeaders});
 * StrictServerCodecTest pins that down. Malformed input surfaces as a message whose {@code decoderResult()} failed; the
 * {@link ExchangeDispatcher} answers it.
 *
 * <p>After a complete request that asks to switch protocols ({@code Upgrade}), decoding stops: the bytes that follow
 * are not HTTP if the answer is 101. They stay buffered here until {@link #upgradeAnswered()} (the answer was not 101)
 * or {@link #takeUndecoded()} (it was: they belong to the new protocol). The dispatcher also pauses decoding while a
 * pipelined request waits ({@link #pauseDecoding()}), so a flood of pipelined requests stays bytes in one buffer
 * rather than becoming thousands of queued messages. State is confined to the event loop.
 */
public final class StrictServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {

    static final String OBSOLETE_LINE_FOLDING =
            "a header line starts with whitespace (obsolete line folding, RFC 9112 section 5.2)";

    /** Methods of the requests whose final responses are not written yet, in order. */
    private final Queue<HttpMethod> methods = new ArrayDeque<>();
    private final Decoder decoder;

    /**
     * The decoder settings: the head limit is http.sys's MaxRequestBytes (request line and header block each); strict
     * line parsing refuses bare LF line ends (RFC 9112 section 2.2) and header validation refuses NUL, CR and other
     * controls in values and anything but a token before the colon (section 5.1).
     */
    public static HttpDecoderConfig decoderConfig(ServerConfig.WebLimits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestBytes())
                .setMaxHeaderSize(limits.maxRequestBytes())
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true);
    }

    /**
     * @param config the decoder settings; its {@code maxHeaderSize} also bounds the whole head (request line, headers
     *     and line ends), as http.sys's MaxRequestBytes does: Netty bounds the line and the header block separately
     */
    public StrictServerCodec(HttpDecoderConfig config) {
        decoder = new Decoder(config, config.getMaxHeaderSize());
        init(decoder, new Encoder());
    }

    /** The upgrade request was answered without switching protocols: what follows is HTTP after all. */
    void upgradeAnswered() {
        if (decoder.upgradeHold) {
            decoder.upgradeHold = false;
            decoder.decodeBuffered();
        }
    }

    /** Stops decoding (the next request waits to be dispatched); bytes stay buffered. */
    void pauseDecoding() {
        decoder.paused = true;
    }

    /** Decodes again, starting with what is buffered. */
    void resumeDecoding() {
        if (decoder.paused) {
            decoder.paused = false;
            decoder.decodeBuffered();
        }
    }

    /** Whether part of the next request head has arrived (pipelined behind the last request). */
    boolean headPending() {
        return decoder.headPending();
    }

    /** The bytes received but not decoded (after an upgrade request), or null; the caller owns them. */
    ByteBuf takeUndecoded() {
        return decoder.takeUndecoded();
    }

    private final class Decoder extends HttpRequestDecoder {
        private ChannelHandlerContext context;
        /** The next bytes belong to a request head (or the empty lines before one). */
        private boolean inHead = true;
        private boolean headStarted;
        private boolean atLineStart;
        private boolean folded;
        private boolean upgradeRequest;
        /** Decoding stopped after an upgrade request: the rest may be another protocol. */
        boolean upgradeHold;
        /** Decoding stopped by the dispatcher (flow control). */
        boolean paused;
        private boolean decoding;
        private final int maxHeadBytes;
        private int headBytes;
        private boolean chunkedBody;
        private boolean bodyFailed;
        private final ChunkFramingCheck chunkCheck = new ChunkFramingCheck();
        /**
         * Head bytes are copied here in bulk and scanned as an array: a {@code forEachByte} callback per byte of a
         * direct buffer (no Unsafe) costs several times the scan itself.
         */
        private final byte[] scratch = new byte[256];

        Decoder(HttpDecoderConfig config, int maxHeadBytes) {
            super(config);
            this.maxHeadBytes = maxHeadBytes;
        }

        @Override
        protected void callDecode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            context = ctx;
            decoding = true;
            try {
                super.callDecode(ctx, in, out);
            } finally {
                decoding = false;
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (upgradeHold || paused) {
                return;
            }
            if (bodyFailed) {
                buffer.skipBytes(buffer.readableBytes()); // the connection is closing: nothing more is decoded
                return;
            }
            int from = buffer.readerIndex();
            boolean head = inHead;
            int before = out.size();
            super.decode(ctx, buffer, out);
            if (head && buffer.readerIndex() > from) {
                // The decoder consumes whole head lines; each consumed byte is looked at once, here.
                headBytes += buffer.readerIndex() - from;
                scanHead(buffer, from, buffer.readerIndex());
            } else if (chunkedBody && buffer.readerIndex() > from
                    && buffer.forEachByte(from, buffer.readerIndex() - from, chunkCheck) >= 0) {
                failBody(out, before, chunkCheck.problem());
                return;
            }
            for (int i = before; i < out.size(); i++) {
                Object msg = out.get(i);
                if (msg instanceof HttpRequest request) {
                    requestDecoded(request);
                }
                if (msg instanceof LastHttpContent) {
                    inHead = true;
                    chunkedBody = false;
                    if (upgradeRequest) {
                        upgradeRequest = false;
                        upgradeHold = true;
                    }
                }
            }
        }

        private void requestDecoded(HttpRequest request) {
            methods.add(request.method());
            boolean ok = request.decoderResult().isSuccess();
            if (ok && folded) {
                request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(OBSOLETE_LINE_FOLDING)));
                ok = false;
            }
            if (ok && headBytes > maxHeadBytes) {
                request.setDecoderResult(DecoderResult.failure(new TooLongHttpHeaderException(
                        "the request head is " + headBytes + " bytes; the limit is " + maxHeadBytes)));
                ok = false;
            }
            headBytes = 0;
            chunkedBody = ok && !(request instanceof LastHttpContent) && HttpUtil.isTransferEncodingChunked(request);
            if (chunkedBody) {
                chunkCheck.reset();
            }
            upgradeRequest = ok && request.headers().contains(HttpHeaderNames.UPGRADE);
            inHead = false;
            headStarted = false;
            atLineStart = false;
            folded = false;
        }

        /** Replaces this round's body output with one failed LastHttpContent; the dispatcher answers 400 and closes. */
        private void failBody(List<Object> out, int from, String problem) {
            for (int i = out.size() - 1; i >= from; i--) {
                if (out.get(i) instanceof HttpContent) {
                    ReferenceCountUtil.release(out.remove(i));
                }
            }
            LastHttpContent failed = new DefaultLastHttpContent();
            failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
            out.add(failed);
            bodyFailed = true;
            chunkedBody = false;
            inHead = true;
        }

        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            if (!initialLine[2].startsWith("HTTP/")) {
                throw new IllegalArgumentException("the protocol must be 'HTTP/' followed by the version, in upper "
                        + "case (RFC 9112 section 2.3); got '" + initialLine[2] + "'");
            }
            return super.createMessage(initialLine);
        }

        /** Scans head bytes for a line that starts with SP or HTAB after the request line; stops at the first. */
        private void scanHead(ByteBuf buffer, int from, int to) {
            byte[] bytes = scratch;
            boolean started = headStarted;
            boolean lineStart = atLineStart;
            for (int at = from; at < to; at += bytes.length) {
                int n = Math.min(bytes.length, to - at);
                buffer.getBytes(at, bytes, 0, n);
                for (int i = 0; i < n; i++) {
                    byte value = bytes[i];
                    if (!started) {
                        // Netty skips empty lines and whitespace before the request line (RFC 9112 section 2.2).
                        started = (value & 0xff) > ' ';
                    } else if (lineStart && (value == ' ' || value == '\t')) {
                        folded = true;
                        headStarted = true;
                        atLineStart = true;
                        return;
                    } else {
                        lineStart = value == '\n';
                    }
                }
            }
            headStarted = started;
            atLineStart = lineStart;
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException(Admission.CONTENT_LENGTH_WITH_CHUNKED);
        }

        /** Decodes what is buffered, unless held; not from inside a caller's stack (nor from inside decoding). */
        void decodeBuffered() {
            if (decoding || context == null || actualReadableBytes() == 0) {
                return; // an ongoing decode loop goes on by itself; with nothing buffered, the next read decodes
            }
            ChannelHandlerContext ctx = context;
            ctx.executor().execute(() -> {
                if (!upgradeHold && !paused && !ctx.isRemoved() && actualReadableBytes() > 0) {
                    try {
                        channelRead(ctx, Unpooled.EMPTY_BUFFER);
                    } catch (Exception e) {
                        ctx.fireExceptionCaught(e);
                    }
                }
            });
        }

        boolean headPending() {
            return inHead && (headStarted || actualReadableBytes() > 0);
        }

        ByteBuf takeUndecoded() {
            int readable = actualReadableBytes();
            return readable == 0 ? null : internalBuffer().readRetainedSlice(readable);
        }
    }

    private final class Encoder extends HttpResponseEncoder {
        private HttpMethod method;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            // An interim 1xx (100 Continue) answers no request by itself: the final response still follows.
            if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                method = methods.poll();
            }
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(response);
        }
    }
}
