package dev.porter.hosting.outofprocess.forwarding;

/**
 * How one forward ended, as {@link Forwarder#send} reports it: the value the out-of-process handler decides on, instead
 * of the forwarder calling back into hosting. Three of the kinds are settled (the client has its answer, or is gone,
 * and nothing follows); two leave the client's exchange untouched, and whoever sent it decides what follows
 * ({@link Forwarder#answer} is the plain proxy's answer, 502.3):
 *
 * <ul>
 *   <li>{@link Relayed}: the backend's response reached the client whole, or its WebSocket tunnel ran and ended;</li>
 *   <li>{@link ClientGone}: the client left (or its exchange was cut off) first;</li>
 *   <li>{@link Failed}: the forward failed after the request went out, and the forwarder answered 502.3 or, when the
 *       response had started, cut the client connection (a truncated response must not look complete);</li>
 *   <li>{@link NotSent} (unsettled): nothing of the request reached the backend: the connect was refused or timed out,
 *       or the forwarder was closed (its process exited) before a connection was had;</li>
 *   <li>{@link Unanswered} (unsettled): the request went out, and the backend closed the connection (or the forwarder
 *       was closed) without a byte of its response.</li>
 * </ul>
 *
 * <p>Immutable; the settled kinds without details are shared instances.
 */
public sealed interface ForwardOutcome {

    /** The response reached the client whole, or the WebSocket tunnel ran and ended. */
    ForwardOutcome RELAYED = new Relayed();
    /** The client went away before the forward ended. */
    ForwardOutcome CLIENT_GONE = new ClientGone();

    /** Whether the client has its answer (or is gone): nothing follows. */
    boolean settled();

    /** See {@link #RELAYED}. */
    record Relayed() implements ForwardOutcome {
        @Override
        public boolean settled() {
            return true;
        }
    }

    /** See {@link #CLIENT_GONE}. */
    record ClientGone() implements ForwardOutcome {
        @Override
        public boolean settled() {
            return true;
        }
    }

    /**
     * The forward failed once the request had gone out (a timeout, a malformed or cut-off response); the client got
     * 502.3 with {@code error}'s code, or, when the response had started, its connection was cut.
     */
    record Failed(ForwardingError error, String detail) implements ForwardOutcome {
        @Override
        public boolean settled() {
            return true;
        }
    }

    /** Why nothing of a request reached the backend. */
    enum Reason {
        /** The connect was refused (nothing listens: a process just killed, or one that refuses while alive). */
        CONNECT_REFUSED,
        /** The connect did not complete within {@code requestTimeout}. */
        CONNECT_TIMED_OUT,
        /** The forwarder was closed (its process exited) before the request had a connection. */
        FORWARDER_CLOSED
    }

    /**
     * Nothing of the request reached the backend; the client's exchange is untouched (its body, if any, still held by
     * the exchange), so the request may be routed again.
     *
     * @param cause what the connect failed with, or null
     */
    record NotSent(Reason reason, Throwable cause) implements ForwardOutcome {
        @Override
        public boolean settled() {
            return false;
        }

        /** The 502.3 a plain proxy answers for it. */
        ForwardingError error() {
            return switch (reason) {
                case CONNECT_REFUSED -> ForwardingError.CANNOT_CONNECT;
                case CONNECT_TIMED_OUT -> ForwardingError.TIMEOUT;
                case FORWARDER_CLOSED -> ForwardingError.SHUTTING_DOWN;
            };
        }

        String detail() {
            return switch (reason) {
                case CONNECT_REFUSED -> "could not connect to the application";
                case CONNECT_TIMED_OUT -> "could not connect to the application within requestTimeout";
                case FORWARDER_CLOSED -> "the application is stopping";
            };
        }
    }

    /**
     * The request went out, and the backend closed the connection (or the forwarder was closed) without a byte of its
     * response; the client's exchange is untouched. A plain proxy answers 502.3 with {@code error}; an application told
     * to stop has dropped it, and it gets the 503 of every request that arrives once the app is stopping.
     *
     * @param cause what the backend connection failed with, or null when it just closed
     */
    record Unanswered(ForwardingError error, String detail, Throwable cause) implements ForwardOutcome {
        @Override
        public boolean settled() {
            return false;
        }
    }
}
