package dev.porter.samples.war;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** {@code POST /echo} (mapped in web.xml): streams the request body back, 8 KiB at a time. */
public final class EchoServlet extends HttpServlet {

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType(request.getContentType() == null ? "application/octet-stream"
                : request.getContentType());
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream(); OutputStream out = response.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        }
    }
}
