package dev.porter.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;
import java.util.function.Consumer;

/**
 * First stage of a plain http connection when {@code webLimits http2Cleartext} is on: HTTP/2 with prior knowledge
 * (RFC 9113 section 3.3) if the client's first bytes are the connection preface ({@code PRI * HTTP/2.0...}), else
 * HTTP/1.x. Decides on the first bytes that differ from the preface (an HTTP/1.x request line differs at its first
 * byte: no method is {@code PRI}), replaces itself with the chosen pipeline and passes the bytes on unchanged.
 */
public final class CleartextHttp2Detector extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf().asReadOnly();

    private final Consumer<Channel> http1;
    private final Consumer<Channel> http2;

    /** @param http1 installs the HTTP/1.x stages; {@code http2} the HTTP/2 ones (both on the connection's loop) */
    public CleartextHttp2Detector(Consumer<Channel> http1, Consumer<Channel> http2) {
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int prefaceLength = PREFACE.readableBytes();
        int n = Math.min(in.readableBytes(), prefaceLength);
        boolean matches = true;
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(PREFACE.readerIndex() + i)) {
                matches = false;
                break;
            }
        }
        if (matches && n < prefaceLength) {
            return; // wait for more
        }
        if (matches) {
            http2.accept(ctx.channel());
        } else {
            http1.accept(ctx.channel());
        }
        // Removing this decoder passes the bytes it holds to the stages just added.
        ctx.pipeline().remove(this);
    }
}
