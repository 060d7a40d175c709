package dev.porter.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What an {@link Exchange} may ask of the connection (or HTTP/2 stream) that carries it, and all it may tell it: the
 * narrow, one-way edge between the public exchange and the front server's connection handling. The exchange never
 * sees the dispatcher behind it; the dispatcher talks to the exchange only through the {@link Exchange.ConnectionSide}
 * that {@link Exchange#open} gave it (content, writability, client gone). Public only because the connections live in
 * the front's sub-packages ({@code server.http1}, {@code server.http2}); nothing outside the front server implements
 * or calls it ({@code ArchitectureTest}). Every method is called on the connection's event loop.
 */
public interface ExchangeChannel {

    /** The connection's TLS facts, empty on plain http: one Optional per connection, not one per call. */
    Optional<ClientTls> tls();

    /** Whether this exchange is one stream of an HTTP/2 connection (one request, no pipelining, no upgrade). */
    boolean isHttp2();

    /** Whether the server is draining: a response then closes its connection. */
    boolean isDraining();

    /** Sends {@code 100 Continue}: the handler is ready for the request body. */
    void sendContinue();

    /** What the exchange wants read changed (paused, resumed, a receiver set): the connection looks again. */
    void readInterestChanged();

    /** The whole request body has arrived. */
    void requestBodyComplete();

    /** The request body outgrew maxAllowedContentLength while streaming: 413, or a close once the head is out. */
    void bodyTooLarge(Exchange exchange);

    /**
     * The response is complete, {@code lastWrite} its last write. With {@code reuse} the connection serves the next
     * request; otherwise it closes after that write ({@code unreadInput}: with a lingering read).
     */
    void completed(Exchange exchange, ChannelFuture lastWrite, boolean reuse, boolean unreadInput);

    /** The exchange was abandoned before its response completed: the connection is not reused. */
    void aborted(Exchange exchange);

    /** The exchange is switching protocols: no more HTTP on this connection. */
    void upgraded(Exchange exchange);

    /** After the 101 went out: hands the bare connection to {@code onUpgraded}. */
    void switchProtocols(Consumer<Channel> onUpgraded);
}
