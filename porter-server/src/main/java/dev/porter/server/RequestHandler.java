package dev.porter.server;

import dev.porter.config.RequestLimits;
import java.util.Optional;

/**
 * What the front server hands a routed request to: one per application, implemented by the hosting module. The front
 * server knows nothing about processes or class loaders; it only calls {@link #handle} with an {@link Exchange} whose
 * request head has been validated, routed to this application, checked against the request limits and admitted by
 * the authentication gate.
 */
public interface RequestHandler {

    /**
     * Takes charge of one exchange. The contract, as exact as Jetty's {@code Handler.handle}:
     * <ul>
     * <li><b>Thread.</b> Called on the exchange's event loop ({@link Exchange#eventLoop()}), once per exchange, through
     * {@link Exchange#handleWith}. It must not block: work that waits (a process start, a file, an application's own
     * thread) runs elsewhere and comes back with {@link Exchange#resumeWhen} or {@code eventLoop().execute}, since
     * every method of the exchange is called on its loop.</li>
     * <li><b>Completion.</b> Returning means nothing about the response: the handler (or whoever it passed the
     * exchange to) must complete it exactly once, now or later, in one of four ways: a whole response
     * ({@link Exchange#respond}), a head then content up to a {@code LastHttpContent} ({@link Exchange#writeHead},
     * {@link Exchange#writeContent}), a protocol switch ({@link Exchange#upgrade}), or {@link Exchange#abort} (the
     * client connection is cut). Until then the connection serves no other request: an exchange never completed
     * holds its connection until the client leaves.</li>
     * <li><b>After the end.</b> Once {@link Exchange#isDone()} (completed, or aborted because the client left or the
     * body outgrew its limit: {@link Exchange#onAbort} says so), further writes are released and dropped; a handler
     * checks {@code isDone()} after any wait rather than writing into a finished exchange.</li>
     * <li><b>Request body.</b> Delivered only to a receiver set with {@link Exchange#receiveBody}; a response that
     * completes before the whole body arrived closes the connection after it.</li>
     * <li><b>Failure.</b> A {@link RuntimeException} thrown here is logged with the application and the request, and
     * the exchange fails ({@link Exchange#fail()}: 500 if no head was written, else the connection is cut); a handler
     * that throws must not also answer. Failures after {@code handle} returned are the handler's to turn into a
     * response or an abort.</li>
     * </ul>
     */
    void handle(Exchange exchange);

    /**
     * The application's own request limits (its web.config's requestFiltering section), which narrow the server's;
     * empty when it sets none (the server's apply). Read on every request, so implementations return an Optional they
     * hold (a field), never a new one per call.
     */
    default Optional<RequestLimits> requestLimits() {
        return Optional.empty();
    }
}
