package dev.porter.samples.war;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /async}: an async servlet. By default another thread completes it after 50 ms ({@code async done});
 * {@code ?dispatch=1} dispatches it to {@code /hello}; {@code ?timeout=1} lets it time out after 200 ms, and its
 * {@link AsyncListener#onTimeout} answers {@code timed out}.
 */
@WebServlet(urlPatterns = "/async", asyncSupported = true)
public final class AsyncServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        AsyncContext async = request.startAsync();
        if (request.getParameter("timeout") != null) {
            async.setTimeout(200);
            async.addListener(new AsyncListener() {
                @Override
                public void onTimeout(AsyncEvent event) throws IOException {
                    event.getAsyncContext().getResponse().setContentType("text/plain");
                    event.getAsyncContext().getResponse().getWriter().write("timed out");
                    event.getAsyncContext().complete();
                }

                @Override
                public void onComplete(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
            return;
        }
        if (request.getParameter("dispatch") != null) {
            async.dispatch("/hello");
            return;
        }
        async.start(() -> {
            try {
                Thread.sleep(50);
                async.getResponse().setContentType("text/plain");
                async.getResponse().getWriter().write("async done");
            } catch (InterruptedException | IOException e) {
                Thread.currentThread().interrupt();
            } finally {
                async.complete();
            }
        });
    }
}
