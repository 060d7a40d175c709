package dev.porter.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend on a raw {@link ServerSocket} (127.0.0.1, OS-chosen port) with its own strict HTTP/1.1 parser, recording
 * every request it parses: the proof of what a hostile client got through Porter. Strict on purpose: CRLF line ends
 * only, no folding, token header names, one framing header, so that anything odd the forwarder passes on is recorded
 * as a {@link Seen#problem()} instead of being smoothed over as a forgiving server would.
 *
 * <p>It answers 200 {@code ok} (keep-alive) when the request carries exactly one {@code MS-ASPNETCORE-TOKEN} equal to
 * the pairing token, and 400 otherwise, as the integration library does; {@code /big/N} is answered with N body
 * bytes, written 64 KiB at a time as fast as the proxy takes them. One virtual thread per connection. Close it.
 */
final class RecordingRawBackend implements AutoCloseable {

    final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Body bytes written for {@code /big/N} requests so far (for slow-reader tests). */
    final java.util.concurrent.atomic.AtomicLong bigBytesWritten = new java.util.concurrent.atomic.AtomicLong();
    private final String token;
    private final ServerSocket listener;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    RecordingRawBackend(String token) throws IOException {
        this.token = token;
        listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("recording-backend-accept").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                Seen request = read(in);
                if (request == null) {
                    return;
                }
                seen.add(request);
                if (request.problem() != null) {
                    out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                List<String> tokens = request.headers("MS-ASPNETCORE-TOKEN");
                boolean paired = tokens.size() == 1 && tokens.getFirst().equals(token);
                if (paired && request.target().startsWith("/big/")) {
                    long n = Long.parseLong(request.target().substring(5));
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + n + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    byte[] chunk = new byte[64 * 1024];
                    for (long left = n; left > 0; ) {
                        int len = (int) Math.min(chunk.length, left);
                        out.write(chunk, 0, len);
                        left -= len;
                        bigBytesWritten.addAndGet(len);
                    }
                    out.flush();
                    continue;
                }
                out.write((paired ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        : "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        } finally {
            sockets.remove(s);
        }
    }

    /** Reads one request; null at a clean EOF between requests. */
    static Seen read(InputStream in) throws IOException {
        String requestLine = line(in, true);
        if (requestLine == null) {
            return null;
        }
        if (requestLine.startsWith("\u0000")) {
            return new Seen(null, null, List.of(), new byte[0], "line end is not CRLF: " + requestLine.substring(1));
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !parts[2].equals("HTTP/1.1") || !isToken(parts[0]) || parts[1].isEmpty()) {
            return new Seen(null, requestLine, List.of(), new byte[0], "bad request line '" + requestLine + "'");
        }
        List<String[]> headers = new ArrayList<>();
        String problem = null;
        String line;
        while (!(line = line(in, false)).isEmpty()) {
            if (line.startsWith("\u0000")) {
                problem = "line end is not CRLF";
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                problem = "bad header line '" + line + "'";
                break;
            }
            String value = line.substring(colon + 1).strip();
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    problem = "control character in header " + line.substring(0, colon);
                }
            }
            headers.add(new String[] {line.substring(0, colon), value});
        }
        Seen head = new Seen(parts[0], parts[1], headers, new byte[0], problem);
        if (problem != null) {
            return head;
        }
        List<String> cl = head.headers("Content-Length");
        List<String> te = head.headers("Transfer-Encoding");
        if (cl.size() + te.size() > 1 || (!te.isEmpty() && !te.getFirst().equals("chunked"))
                || (!cl.isEmpty() && !cl.getFirst().matches("\\d{1,18}"))) {
            return new Seen(parts[0], parts[1], headers, new byte[0], "ambiguous framing CL=" + cl + " TE=" + te);
        }
        byte[] body;
        List<String[]> trailers = new ArrayList<>();
        if (!te.isEmpty()) {
            body = chunked(in, trailers);
            if (body == null) {
                return new Seen(parts[0], parts[1], headers, new byte[0], "malformed chunked body");
            }
        } else if (!cl.isEmpty()) {
            int n = Integer.parseInt(cl.getFirst());
            body = in.readNBytes(n);
            if (body.length < n) {
                return new Seen(parts[0], parts[1], headers, body, "body cut off after " + body.length + " of " + n
                        + " bytes (the proxy aborted the request)");
            }
        } else {
            body = new byte[0];
        }
        return new Seen(parts[0], parts[1], headers, body, null, trailers);
    }

    private static byte[] chunked(InputStream in, List<String[]> trailers) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in, false);
            if (size.startsWith("\u0000") || !size.matches("[0-9a-f]{1,8}")) {
                return null; // the forwarder writes plain lower-case hex sizes, no extensions
            }
            int n = Integer.parseInt(size, 16);
            if (n == 0) {
                String trailer;
                while (!(trailer = line(in, false)).isEmpty()) {
                    int colon = trailer.indexOf(':');
                    if (trailer.startsWith("\u0000") || colon <= 0) {
                        return null;
                    }
                    trailers.add(new String[] {trailer.substring(0, colon), trailer.substring(colon + 1).strip()});
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            if (!line(in, false).isEmpty()) {
                return null;
            }
        }
    }

    /**
     * One CRLF-terminated line (ISO-8859-1, without the CRLF). A bare CR or LF ends it too, marked by a leading NUL.
     * Null at EOF before any byte when {@code eofOk}; EOF elsewhere is an IOException.
     */
    private static String line(InputStream in, boolean eofOk) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\r') {
                int next = in.read();
                if (next == '\n') {
                    return line.toString(StandardCharsets.ISO_8859_1);
                }
                return "\u0000" + line.toString(StandardCharsets.ISO_8859_1) + "<CR>";
            }
            if (b == '\n') {
                return "\u0000" + line.toString(StandardCharsets.ISO_8859_1) + "<LF>";
            }
            line.write(b);
            if (line.size() > 1 << 20) {
                throw new IOException("line over 1 MiB");
            }
        }
        if (eofOk && line.size() == 0) {
            return null;
        }
        throw new IOException("EOF inside a request");
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
