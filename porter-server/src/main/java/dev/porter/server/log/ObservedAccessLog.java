package dev.porter.server.log;

import dev.porter.server.AccessLog;
import dev.porter.server.Exchange;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * An {@link AccessLog} that also tells a {@link RequestObserver}: the composition root wraps the W3C log (or
 * {@link AccessLog#NONE}) in it when the admin endpoint is on, so the request path keeps one reporting call per request
 * and gains no branch when metrics are off. Closing closes the wrapped log.
 *
 * <p>Threading: as {@link AccessLog}, on event loops; adds only the observer's call.
 */
@SuppressWarnings("try") // close() delegates to whatever the wrapped log may throw
public final class ObservedAccessLog implements AccessLog, AutoCloseable {

    private final AccessLog log;
    private final RequestObserver observer;

    private ObservedAccessLog(AccessLog log, RequestObserver observer) {
        this.log = log;
        this.observer = observer;
    }

    /** {@code log} also telling {@code observer}; {@code log} itself when that is {@link RequestObserver#NONE}. */
    @SuppressWarnings("ReferenceEquality") // the null object is one constant
    public static AccessLog of(AccessLog log, RequestObserver observer) {
        return observer == RequestObserver.NONE ? log : new ObservedAccessLog(log, observer);
    }

    @Override
    public void completed(Channel channel, Exchange exchange) {
        log.completed(channel, exchange);
        observer.completed(exchange, exchange.status(), System.nanoTime() - exchange.startNanos());
    }

    @Override
    public void rejected(Channel channel, HttpRequest request, int status) {
        log.rejected(channel, request, status);
        observer.rejected(status);
    }

    @Override
    public void close() throws Exception {
        if (log instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
