package dev.porter.hosting.servlet;

import dev.porter.server.Exchange;
import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Attributes;

/**
 * The client connection as Jetty sees it, from an {@link Exchange}: protocol (HTTP/1.0, 1.1 or 2 at the front),
 * TLS, addresses. It belongs to one pooled Jetty channel ({@link ChannelPool}) and is bound to each request that
 * channel serves ({@link #bind}); Porter's {@code Exchange} API does not expose the client connection to cache it on.
 * The {@link Connection} is created only if servlet code asks for it (idle timeout, end point, a WebSocket
 * handshake); a channel whose connection was created is not reused.
 *
 * <p>Threading: bound on the event loop before the request's task is handed to its thread (that hand-off publishes
 * it), read from any thread while the request lives; rebound only after Jetty completed the request and the channel
 * went through the pool's queue.
 */
final class PorterConnectionMetaData extends Attributes.Lazy implements ConnectionMetaData {

    private final PorterConnector connector;
    private volatile Exchange exchange;
    private long requestId;
    private String id;
    private HttpVersion version;
    private boolean secure;
    private SocketAddress remote;
    private SocketAddress local;
    private volatile Connection connection;

    PorterConnectionMetaData(PorterConnector connector) {
        this.connector = connector;
    }

    /**
     * On the event loop: the facts of the request the channel serves next (attributes of the last one go). The id and
     * the addresses are worked out only if asked for: a request that never asks (most do not) spares deciding who the
     * client is (forwarding fields, PROXY protocol) and formatting a number, a tenth of the hand-off's cost.
     */
    void bind(Exchange exchange, long requestId) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.id = null;
        this.remote = null;
        this.local = null;
        String protocol = exchange.protocol();
        this.version = protocol.equals("HTTP/2.0") ? HttpVersion.HTTP_2
                : protocol.equals("HTTP/1.0") ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        this.secure = exchange.isSecure();
        clearAttributes();
    }

    /** The channel is back in its pool: it keeps nothing of its last exchange alive (addresses asked now are null). */
    void unbind() {
        this.exchange = null;
    }

    /** Whether servlet code made the lazy connection (its end point is tied to one client connection). */
    boolean connectionCreated() {
        return connection != null;
    }

    @Override
    public String getId() {
        String s = id;
        if (s == null) {
            s = Long.toString(requestId); // racing threads compute the same string
            id = s;
        }
        return s;
    }

    @Override
    public HttpConfiguration getHttpConfiguration() {
        return connector.httpConfiguration();
    }

    @Override
    public HttpVersion getHttpVersion() {
        return version;
    }

    @Override
    public String getProtocol() {
        return version.asString();
    }

    @Override
    public Connection getConnection() {
        Connection c = connection;
        if (c == null) {
            synchronized (this) {
                c = connection;
                if (c == null) {
                    c = new PorterConnection(new PorterEndPoint(connector.getScheduler(), connector.getExecutor(),
                            getLocalSocketAddress(), getRemoteSocketAddress()), connector.getExecutor());
                    connection = c;
                }
            }
        }
        return c;
    }

    /** The end point, if servlet code (or a WebSocket handshake) asked for one; else null. */
    PorterEndPoint endPointIfCreated() {
        Connection c = connection;
        return c == null ? null : (PorterEndPoint) c.getEndPoint();
    }

    @Override
    public Connector getConnector() {
        return connector;
    }

    @Override
    public boolean isPersistent() {
        return true;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    /** The request's client as the front server decided it ({@code Exchange.client}: a pure function, any thread). */
    @Override
    public SocketAddress getRemoteSocketAddress() {
        SocketAddress a = remote;
        if (a == null) {
            a = fromExchange(Exchange::remoteAddress);
            remote = a;
        }
        return a;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        SocketAddress a = local;
        if (a == null) {
            a = fromExchange(Exchange::localAddress);
            local = a;
        }
        return a;
    }

    /** An address of the bound exchange; null once the channel is back in its pool. */
    private SocketAddress fromExchange(java.util.function.Function<Exchange, SocketAddress> address) {
        Exchange e = exchange;
        return e == null ? null : address.apply(e);
    }
}
