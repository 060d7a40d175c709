package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs bytes from a backend through a response decoder and writes down what the {@link ProxyExchange} would see, as
 * one comparable transcript: each head (version, status, reason, its fields in order but {@code Transfer-Encoding},
 * which the exchange drops from every head it relays), the body's bytes (however they were cut into pieces), each end
 * with its trailers; a failure ends the transcript (the exchange answers 502.3 and closes the connection), and so does
 * a 101 (the connection becomes a tunnel: what follows is not HTTP). {@link #netty} is the reference: Netty's
 * {@code HttpResponseDecoder} configured as the forwarder had it, with a response to {@code HEAD} bodiless.
 */
final class ResponseDecoding {

    /** A transcript and, when it ended with a failure, its cause. */
    record Result(List<String> transcript, Throwable failure) {
    }

    private ResponseDecoding() {
    }

    static ChannelHandler netty(HttpMethod method) {
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536)
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true);
        return new HttpResponseDecoder(config) {
            @Override
            protected boolean isContentAlwaysEmpty(HttpMessage msg) {
                return (HttpMethod.HEAD.equals(method) && ((HttpResponse) msg).status().code() >= 200)
                        || super.isContentAlwaysEmpty(msg);
            }
        };
    }

    static ChannelHandler porter(HttpMethod method) {
        BackendResponseDecoder decoder = new BackendResponseDecoder();
        decoder.expect(method);
        return decoder;
    }

    /** Feeds {@code pieces} in order (one read each), then closes the connection if {@code close}. */
    static Result decode(ChannelHandler decoder, List<byte[]> pieces, boolean close) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<ByteBuf> sent = new ArrayList<>();
        for (byte[] piece : pieces) {
            ByteBuf buf = Unpooled.buffer(piece.length).writeBytes(piece); // (never the shared empty buffer)
            sent.add(buf);
            channel.writeInbound(buf);
        }
        if (close) {
            channel.finish();
        }
        Transcript transcript = new Transcript();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            try {
                transcript.add(msg);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        channel.finishAndReleaseAll();
        for (ByteBuf buf : sent) {
            if (buf.refCnt() != 0) {
                throw new AssertionError("a buffer the decoder was given was not released");
            }
        }
        return new Result(transcript.lines, transcript.failure);
    }

    /**
     * Throws unless Porter's decoder saw what Netty's saw, or refused where Netty was lenient, on purpose: a status line
     * that is not {@code HTTP/1.x}, one space, a status from 100 to 599 and a reason without control characters, or a
     * chunk size over 2^31-1 (which Netty's int arithmetic can wrap to a small size), a continuation line in trailers
     * (which Netty refuses or ignores depending on the field before it and on where a read ended).
     */
    static void assertAgree(Result netty, Result porter) {
        if (netty.transcript().equals(porter.transcript())) {
            return;
        }
        List<String> p = porter.transcript();
        boolean stricter = porter.failure() != null && STRICTER.stream().anyMatch(
                m -> String.valueOf(porter.failure().getMessage()).startsWith(m))
                && netty.transcript().size() >= p.size() - 1
                && netty.transcript().subList(0, p.size() - 1).equals(p.subList(0, p.size() - 1));
        if (!stricter) {
            throw new AssertionError("decoders disagree\n  netty:  " + netty.transcript() + " " + netty.failure()
                    + "\n  porter: " + porter.transcript() + " " + porter.failure());
        }
    }

    private static final List<String> STRICTER = List.of("not an HTTP/1.x status line",
            "a control character in the reason phrase", "Chunk size overflow", "a continuation line in the trailers");

    private static final class Transcript {
        final List<String> lines = new ArrayList<>();
        Throwable failure;
        boolean ended;
        StringBuilder body;

        void add(Object msg) {
            if (ended) {
                return;
            }
            if (msg instanceof HttpResponse head) {
                flushBody();
                if (head.decoderResult().isFailure()) {
                    fail(head.decoderResult().cause());
                    return;
                }
                StringBuilder line = new StringBuilder("head ").append(head.protocolVersion()).append(' ')
                        .append(head.status().code()).append(" [").append(head.status().reasonPhrase()).append(']');
                for (Map.Entry<String, String> field : head.headers()) {
                    if (!HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(field.getKey())) {
                        line.append(" | ").append(field.getKey()).append(": ").append(field.getValue());
                    }
                }
                lines.add(line.toString());
                if (head.status().code() == 101) {
                    ended = true;
                }
                return;
            }
            if (msg instanceof HttpContent content) {
                if (content.decoderResult().isFailure()) {
                    flushBody();
                    fail(content.decoderResult().cause());
                    return;
                }
                if (body == null) {
                    body = new StringBuilder();
                }
                body.append(content.content().toString(StandardCharsets.ISO_8859_1));
                if (content instanceof LastHttpContent last) {
                    flushBody();
                    StringBuilder line = new StringBuilder("end");
                    for (Map.Entry<String, String> field : last.trailingHeaders()) {
                        line.append(" | ").append(field.getKey()).append(": ").append(field.getValue());
                    }
                    lines.add(line.toString());
                }
                return;
            }
            flushBody();
            lines.add("bytes " + ((ByteBuf) msg).toString(StandardCharsets.ISO_8859_1));
        }

        private void flushBody() {
            if (body != null && !body.isEmpty()) {
                lines.add("body " + body);
            }
            body = null;
        }

        private void fail(Throwable cause) {
            lines.add("failed");
            failure = cause;
            ended = true;
        }
    }
}
