package dev.porter.server.http2;

import dev.porter.config.RequestLimits;
import dev.porter.server.AccessLog;
import dev.porter.server.ClientTls;
import dev.porter.server.Router;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import dev.porter.server.http1.ExchangeDispatcher;
import dev.porter.server.http1.HeaderTimeoutHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import java.util.Optional;

/**
 * The dispatcher of one HTTP/2 stream (RFC 9113): one exchange, no pipelining, no upgrade; the stream channel closes
 * when its exchange ends. A complete response sent before the whole request arrived is followed by
 * RST_STREAM(NO_ERROR) (section 8.1), which asks the client to stop sending without failing the response: closing the
 * stream channel alone would reset it with an error code, and clients then discard the response. Confined to the
 * connection's event loop.
 */
public final class Http2StreamConnection extends ExchangeDispatcher {

    public Http2StreamConnection(Router router, RequestLimits serverLimits, HeaderTimeoutHandler headerTimeout,
            AccessLog accessLog, ServerState state, Optional<ClientTls> tls, FrontSecurity security) {
        super(router, serverLimits, headerTimeout, accessLog, state, tls, security);
    }

    @Override
    public boolean isHttp2() {
        return true;
    }

    @Override
    protected void closeWhenWritten(ChannelFuture lastWrite, boolean unreadInput) {
        ChannelHandlerContext ctx = context();
        if (!unreadInput) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        lastWrite.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && ctx.channel().isActive()) {
                ctx.channel().writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.channel().close();
            }
        });
    }
}
