package dev.porter.server.http1;

import dev.porter.config.RequestLimits;
import dev.porter.server.AccessLog;
import dev.porter.server.ClientTls;
import dev.porter.server.Router;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The dispatcher of an HTTP/1.x connection (RFC 9112): keep-alive and pipelining (in {@link ExchangeDispatcher}), and
 * the way such a connection ends. When input may still be on the way (a body nobody read, bytes after a refused head)
 * it closes the sending side first and reads and discards for {@link #LINGER_MILLIS}: closing a socket with unread
 * input makes the kernel send a reset, which can destroy the response before the client reads it (the "lingering
 * close" of Apache httpd and nginx). Confined to the connection's event loop.
 */
public final class Http1Connection extends ExchangeDispatcher {

    public Http1Connection(Router router, RequestLimits serverLimits, HeaderTimeoutHandler headerTimeout,
            AccessLog accessLog, ServerState state, Optional<ClientTls> tls, FrontSecurity security) {
        super(router, serverLimits, headerTimeout, accessLog, state, tls, security);
    }

    @Override
    public boolean isHttp2() {
        return false;
    }

    @Override
    protected void closeWhenWritten(ChannelFuture lastWrite, boolean unreadInput) {
        ChannelHandlerContext ctx = context();
        if (!unreadInput || !(ctx.channel() instanceof DuplexChannel duplex)) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        lastWrite.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !duplex.isActive()) {
                duplex.close();
                return;
            }
            duplex.shutdownOutput().addListener((ChannelFutureListener) s -> {
                if (!s.isSuccess()) {
                    duplex.close();
                }
            });
            ScheduledFuture<?> timer = ctx.executor().schedule(() -> {
                duplex.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            duplex.closeFuture().addListener(c -> timer.cancel(false));
            startLingering();
        });
    }
}
