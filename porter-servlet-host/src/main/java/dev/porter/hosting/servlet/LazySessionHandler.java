package dev.porter.hosting.servlet;

import java.nio.ByteBuffer;
import org.eclipse.jetty.ee11.servlet.SessionHandler;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.Context;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.session.ManagedSession;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's session handler without its per-request cost for a request that has no session (most requests). Jetty wraps
 * every request's stream so that a session is committed when the response head is sent and released when the
 * exchange ends; each of those steps enters the context's scope (thread-locals, the context class loader, scope
 * listeners) and only then looks for the request's session, which is usually none. Here the request's session is
 * looked up first and the scope entered only when there is one; what is done with a session is Jetty's own
 * ({@code commit}, {@code complete}). Sessions are still created only when the app asks for one, as Jetty does.
 *
 * <p>Threading: as Jetty's handler; a stream wrapper per request, called from the request's threads.
 */
final class LazySessionHandler extends SessionHandler {

    @Override
    protected void addSessionStreamWrapper(Request request) {
        request.addHttpStreamWrapper(stream -> new SessionStream(stream, request));
    }

    private final class SessionStream extends HttpStream.Wrapper {

        private final Request request;
        private final Context context;

        SessionStream(HttpStream stream, Request request) {
            super(stream);
            this.request = request;
            this.context = request.getContext();
        }

        @Override
        public void send(MetaData.Request metaRequest, MetaData.Response response, boolean last, ByteBuffer content,
                Callback callback) {
            if (response != null) {
                ManagedSession session = getManagedSession(request);
                if (session != null) {
                    context.run(() -> commit(session), request);
                }
            }
            super.send(metaRequest, response, last, content, callback);
        }

        @Override
        public void succeeded() {
            release();
            super.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            release();
            super.failed(x);
        }

        private void release() {
            ManagedSession session = getManagedSession(request);
            if (session != null) {
                context.run(() -> complete(session), request);
            }
        }
    }
}
