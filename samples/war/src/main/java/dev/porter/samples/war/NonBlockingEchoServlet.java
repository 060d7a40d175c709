package dev.porter.samples.war;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code POST /nb-echo}: echoes the body with non-blocking I/O ({@link ReadListener} + {@link WriteListener}), one
 * 8 KiB buffer at a time: it reads only when the previous piece was written, so a slow client holds memory bounded.
 */
@WebServlet(urlPatterns = "/nb-echo", asyncSupported = true)
public final class NonBlockingEchoServlet extends HttpServlet {

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/octet-stream");
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Pump pump = new Pump(async, request.getInputStream(), response.getOutputStream());
        request.getInputStream().setReadListener(pump);
        response.getOutputStream().setWriteListener(pump);
    }

    private static final class Pump implements ReadListener, WriteListener {
        private final AsyncContext async;
        private final ServletInputStream in;
        private final ServletOutputStream out;
        private final byte[] buffer = new byte[8192];
        private int pending;
        private boolean done;

        Pump(AsyncContext async, ServletInputStream in, ServletOutputStream out) {
            this.async = async;
            this.in = in;
            this.out = out;
        }

        @Override
        public void onDataAvailable() throws IOException {
            pump();
        }

        @Override
        public void onAllDataRead() throws IOException {
            pump();
        }

        @Override
        public void onWritePossible() throws IOException {
            pump();
        }

        private synchronized void pump() throws IOException {
            while (!done && out.isReady()) {
                if (pending > 0) {
                    out.write(buffer, 0, pending);
                    pending = 0;
                } else if (in.isFinished()) {
                    done = true;
                    async.complete();
                } else if (in.isReady()) {
                    int n = in.read(buffer);
                    if (n > 0) {
                        pending = n;
                    }
                } else {
                    return; // onDataAvailable comes when there is more
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                done = true;
            }
            async.complete();
        }
    }
}
