package dev.porter.server.peer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a connection on a binding with {@code proxyProtocol="true"}: Netty's
 * {@link HAProxyMessageDecoder} reads the PROXY protocol header (v1 text or v2 binary, as HAProxy's
 * {@code send-proxy} / {@code send-proxy-v2} write it), this handler records the client it names
 * ({@link ClientAddress}) and both leave the pipeline, so TLS or HTTP see the bytes after the header. A {@code LOCAL}
 * header (v2; the balancer's own health check) or v1's {@code UNKNOWN} keeps the TCP peer as the client. A connection
 * that does not open with a valid header is closed before anything else reads it: behind a balancer, such a
 * connection comes from someone who went around it.
 *
 * <p>Threading: runs on the connection's event loop.
 */
public final class ProxyProtocolHandler extends SimpleChannelInboundHandler<HAProxyMessage> {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolHandler.class);
    static final String DECODER = "proxy-protocol-decoder";
    static final String NAME = "proxy-protocol";

    private ProxyProtocolHandler() {
    }

    /** Puts the PROXY protocol stages first in a new connection's pipeline. */
    public static void install(ChannelPipeline pipeline) {
        pipeline.addFirst(NAME, new ProxyProtocolHandler());
        pipeline.addFirst(DECODER, new HAProxyMessageDecoder());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HAProxyMessage header) {
        if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
            try {
                ClientAddress.set(ctx.channel(), new InetSocketAddress(
                        InetAddress.ofLiteral(header.sourceAddress()), header.sourcePort()));
            } catch (IllegalArgumentException e) {
                refuse(ctx, "its source address '" + header.sourceAddress() + "' is not an IP address");
                return;
            }
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Only what happens before the header is through reaches this stage: it leaves the pipeline after it.
        refuse(ctx, cause.getMessage());
    }

    private static void refuse(ChannelHandlerContext ctx, String why) {
        LOG.debug("Refused connection from {}: no valid PROXY protocol header ({})", ctx.channel().remoteAddress(),
                why);
        ctx.close();
    }
}
