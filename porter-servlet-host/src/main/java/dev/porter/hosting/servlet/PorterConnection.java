package dev.porter.hosting.servlet;

import java.util.concurrent.Executor;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;

/** The Jetty {@code Connection} a request's metadata names (see {@link PorterEndPoint}): nothing is ever filled. */
final class PorterConnection extends AbstractConnection {

    PorterConnection(EndPoint endPoint, Executor executor) {
        super(endPoint, executor);
    }

    @Override
    public void onFillable() {
    }
}
