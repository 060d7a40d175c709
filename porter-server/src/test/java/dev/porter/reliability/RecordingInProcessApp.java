package dev.porter.reliability;

import com.sun.net.httpserver.HttpServer;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A JDK-only recording app for in-process hosting (packaged alone into a jar by {@link Front}): every request it is
 * handed is appended to {@code $RECORD_FILE} in {@link RecordLog}'s format, then answered 200 {@code ok}.
 * Self-contained on purpose: the app domain loads it from its jar.
 */
public final class RecordingInProcessApp {

    private RecordingInProcessApp() {
    }

    public static void main(String[] args) throws Exception {
        FileOutputStream log = new FileOutputStream(System.getenv("RECORD_FILE"), true);
        HttpServer server = HttpServer.create(new InetSocketAddress(0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
            }
            StringBuilder headers = new StringBuilder();
            for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
                for (String v : h.getValue()) {
                    headers.append(headers.isEmpty() ? "" : "&").append(enc(h.getKey())).append('=').append(enc(v));
                }
            }
            String line = enc(exchange.getRequestMethod()) + "\t" + enc(exchange.getRequestURI().toString()) + "\t-\t"
                    + headers + "\n";
            synchronized (log) {
                log.write(line.getBytes(StandardCharsets.ISO_8859_1));
                log.flush();
            }
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.ISO_8859_1);
    }
}
