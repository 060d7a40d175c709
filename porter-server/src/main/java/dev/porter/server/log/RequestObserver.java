package dev.porter.server.log;

import dev.porter.server.Exchange;

/**
 * Where the front server reports each answered request to whoever counts them (the admin endpoint's metrics), beside
 * the {@link AccessLog}: the one hook metrics have in the request path. {@link ObservedAccessLog} calls it from the
 * access log's own call sites, so it sees exactly the requests the access log sees, once each.
 *
 * <p>Threading: called on the connection's event loop; implementations must be cheap and must not block.
 */
public interface RequestObserver {

    /** Nobody counts requests (the admin endpoint is off): {@link ObservedAccessLog#of} then adds nothing. */
    RequestObserver NONE = new RequestObserver() {
        @Override
        public void completed(Exchange exchange, int status, long durationNanos) {
        }

        @Override
        public void rejected(int status) {
        }
    };

    /**
     * A routed exchange ended (its response completed, or it was aborted).
     *
     * @param status the response status sent, 0 when no response head was sent at all
     * @param durationNanos from the request head's arrival to the end
     */
    void completed(Exchange exchange, int status, long durationNanos);

    /** A request the front server refused before routing it to an application (400, 404, 413, 414, 431...). */
    void rejected(int status);
}
