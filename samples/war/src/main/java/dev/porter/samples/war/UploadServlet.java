package dev.porter.samples.war;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code POST /upload}: reads the body slowly ({@code ?pauseMs=} between 64 KiB reads) into a SHA-256 and answers
 * {@code <bytes> <sha256>}. If reading fails (the client went away) the failure is kept: {@code GET /upload} tells
 * what the last failed read threw.
 */
@WebServlet("/upload")
public final class UploadServlet extends HttpServlet {

    private static volatile String lastFailure = "none";

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long pause = request.getParameter("pauseMs") == null ? 0 : Long.parseLong(request.getParameter("pauseMs"));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = request.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
                total += n;
                if (pause > 0) {
                    Thread.sleep(pause);
                }
            }
        } catch (IOException e) {
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        response.setContentType("text/plain");
        response.getWriter().write(total + " " + HexFormat.of().formatHex(sha.digest()));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain");
        response.getWriter().write(lastFailure);
    }
}
