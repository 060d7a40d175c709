package dev.porter.hosting.servlet;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;

/**
 * The connector of an app's Jetty {@link Server}: it never accepts anything (Porter's front server owns the sockets).
 * It exists because Jetty's request machinery finds the server, executor, scheduler, buffer pool and
 * {@link HttpConfiguration} through the request's connector. The connection factory is a placeholder that is never
 * asked for a connection. It also holds the app's pool of Jetty channels ({@link ChannelPool}).
 */
final class PorterConnector extends AbstractConnector {

    private final HttpConfiguration httpConfiguration;
    private final ChannelPool channels = new ChannelPool(this);

    PorterConnector(Server server, HttpConfiguration httpConfiguration) {
        super(server, null, null, null, 0, new HttpConnectionFactory(httpConfiguration));
        this.httpConfiguration = httpConfiguration;
        setName("porter");
    }

    /** The Jetty channels this app's requests are served on. */
    ChannelPool channels() {
        return channels;
    }

    HttpConfiguration httpConfiguration() {
        return httpConfiguration;
    }

    @Override
    protected void accept(int acceptorId) {
        throw new UnsupportedOperationException("Porter's connector does not accept: the front server does");
    }

    @Override
    public Object getTransport() {
        return null;
    }
}
