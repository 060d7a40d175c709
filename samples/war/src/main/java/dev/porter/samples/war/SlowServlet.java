package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code GET /slow?ms=}: answers after that many milliseconds (an in-flight request for drain tests);
 * {@code GET /big?bytes=}: that many bytes of {@code x} (a download for back-pressure tests).
 */
@WebServlet({"/slow", "/big", "/big-failure"})
public final class SlowServlet extends HttpServlet {

    /** What the last failed {@code /big} write threw ({@code GET /big-failure}). */
    private static volatile String lastWriteFailure = "none";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain");
        if (request.getServletPath().equals("/big-failure")) {
            response.getWriter().write(lastWriteFailure);
            return;
        }
        if (request.getServletPath().equals("/big")) {
            long bytes = Long.parseLong(request.getParameter("bytes"));
            byte[] chunk = new byte[16 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            OutputStream out = response.getOutputStream();
            try {
                for (long left = bytes; left > 0; left -= chunk.length) {
                    out.write(chunk, 0, (int) Math.min(left, chunk.length));
                }
            } catch (IOException e) {
                lastWriteFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
                throw e;
            }
            return;
        }
        try {
            Thread.sleep(Long.parseLong(request.getParameter("ms")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.sendError(503, "interrupted");
            return;
        }
        response.getWriter().write("slept");
    }
}
