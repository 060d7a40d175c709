package dev.porter.server.peer;

import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * The client's address for a client connection: the one a PROXY protocol header named, else the TCP peer. The access
 * log, {@code X-Forwarded-For} to out-of-process applications and {@code getRemoteAddress()} in-process all read it
 * through {@code Exchange.remoteAddress()}, which asks here; an HTTP/2 stream asks its connection.
 *
 * <p>Threading: the attribute is written once on the connection's event loop before any request is decoded; reads
 * from any thread see it (Netty attributes are atomic references).
 */
public final class ClientAddress {

    static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("porter.proxiedClient");

    private ClientAddress() {
    }

    /** The client of {@code channel} (a connection or an HTTP/2 stream). */
    public static InetSocketAddress of(Channel channel) {
        for (Channel c = channel; c != null && !(c instanceof ServerChannel); c = c.parent()) {
            InetSocketAddress proxied = c.attr(PROXIED).get();
            if (proxied != null) {
                return proxied;
            }
        }
        return (InetSocketAddress) channel.remoteAddress();
    }

    /** Records the client a PROXY protocol header named. */
    static void set(Channel connection, InetSocketAddress client) {
        connection.attr(PROXIED).set(client);
    }
}
