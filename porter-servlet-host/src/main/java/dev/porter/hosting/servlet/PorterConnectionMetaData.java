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
 * TLS, addresses. One per request (cheap; Porter's {@code Exchange} API does not expose the connection to cache it
 * on). The {@link Connection} is created only if servlet code asks for it (idle timeout, end point).
 *
 * <p>Threading: built on the event loop, read from any thread; immutable but for the lazy connection.
 */
final class PorterConnectionMetaData extends Attributes.Lazy implements ConnectionMetaData {

    private final PorterConnector connector;
    private final String id;
    private final HttpVersion version;
    private final boolean secure;
    private final SocketAddress remote;
    private final SocketAddress local;
    private volatile Connection connection;

    PorterConnectionMetaData(PorterConnector connector, Exchange exchange, String id) {
        this.connector = connector;
        this.id = id;
        String protocol = exchange.protocol();
        this.version = protocol.equals("HTTP/2.0") ? HttpVersion.HTTP_2
                : protocol.equals("HTTP/1.0") ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        this.secure = exchange.isSecure();
        this.remote = exchange.remoteAddress();
        this.local = exchange.localAddress();
    }

    @Override
    public String getId() {
        return id;
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
                            local, remote), connector.getExecutor());
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

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }
}
