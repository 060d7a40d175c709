package dev.porter.reliability;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The strict recording backend ({@link RecordingRawBackend}'s parser) as an out-of-process app started by Porter's
 * process manager: listens on {@code 127.0.0.1:$ASPNETCORE_PORT}, appends every request to {@code $RECORD_FILE}
 * ({@link RecordLog}) before answering, 200 {@code ok} with the pairing token ({@code $ASPNETCORE_TOKEN}) and 400
 * without. Answers the shutdown message with 202 and exits.
 */
public final class RecordingBackendMain {

    private RecordingBackendMain() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv("ASPNETCORE_PORT"));
        String token = System.getenv("ASPNETCORE_TOKEN");
        FileOutputStream log = new FileOutputStream(System.getenv("RECORD_FILE"), true);
        ServerSocket listener = new ServerSocket(port, 200, InetAddress.getLoopbackAddress());
        while (true) {
            Socket s = listener.accept();
            Thread.ofVirtual().start(() -> serve(s, token, log));
        }
    }

    private static void serve(Socket s, String token, FileOutputStream log) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                Seen request = RecordingRawBackend.read(in);
                if (request == null) {
                    return;
                }
                List<String> tokens = request.headers("MS-ASPNETCORE-TOKEN");
                boolean paired = tokens.size() == 1 && tokens.getFirst().equals(token);
                if (paired && "shutdown".equals(request.headers("MS-ASPNETCORE-EVENT").stream().findFirst()
                        .map(String::strip).orElse(null))) {
                    out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    System.exit(0);
                }
                synchronized (log) {
                    log.write(RecordLog.line(request).getBytes(StandardCharsets.ISO_8859_1));
                    log.flush();
                }
                if (request.problem() != null) {
                    out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                out.write((paired ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }
}
