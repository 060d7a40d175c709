package dev.porter.hosting.outofprocess.forwarding;

import dev.porter.server.Exchange;

/**
 * Hears how a forward ended ({@link Forwarder#send}), as the JDK's {@code CompletionHandler} hears how an asynchronous
 * channel operation did: one listener serves every request, and the attachment given to {@code send} says what the
 * request was sent with (the out-of-process handler's backend process), so a forward allocates no future and no
 * closure to carry its outcome back. The outcome is a value the listener decides on ({@link ForwardOutcome}); the
 * forwarder does nothing more with the exchange after it.
 *
 * <p>Called once per {@code send}, on the exchange's event loop: during {@code send} itself when the forward ended at
 * once (the forwarder was closed, or the client already gone), else later. What it throws is logged; the forward's
 * teardown has already happened.
 *
 * @param <A> what the sender attaches to each request
 */
@FunctionalInterface
public interface OutcomeListener<A> {

    void forwarded(Exchange exchange, ForwardOutcome outcome, A attachment);
}
