package dev.porter.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A raw HTTP/1.x client over one socket, for tests that must control the exact bytes (smuggling, pipelining, slow
 * clients) and see exactly what the server sent. Not thread-safe; close it.
 */
public final class RawHttp implements AutoCloseable {

    /** One parsed response. Header names keep their case; lookups ignore it. */
    @SuppressWarnings("ArrayRecordComponent") // the bytes as sent are the point; tests never compare two responses
    public record Response(String version, int status, String reason, List<String[]> headers, byte[] body) {
        public Optional<String> header(String name) {
            return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst();
        }

        public List<String> headers(String name) {
            return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this("127.0.0.1", port, 10_000);
    }

    public RawHttp(String host, int port, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(readTimeoutMillis);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /**
     * {@code GET path} with {@code Host: localhost}, on a connection of its own to 127.0.0.1:port, and its response
     * (read timeout 60 s, a failure guard). I/O failures come as {@link UncheckedIOException}, so that it serves inside
     * Awaitility conditions and lambdas.
     */
    public static Response get(int port, String path) {
        return get(port, path, 60_000);
    }

    /** As {@link #get(int, String)}, with that read timeout. */
    public static Response get(int port, String path, int readTimeoutMillis) {
        try (RawHttp http = new RawHttp("127.0.0.1", port, readTimeoutMillis)) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    /** Sends one request and reads its response (GET/POST...; HEAD responses: use {@link #readResponse(boolean)}). */
    public Response exchange(String raw) throws IOException {
        send(raw);
        return readResponse();
    }

    public Response readResponse() throws IOException {
        return readResponse(false);
    }

    /** Reads one final response (1xx interim responses are skipped). */
    public Response readResponse(boolean headRequest) throws IOException {
        return read(headRequest, true);
    }

    /** Reads the next response, interim ({@code 100 Continue}, {@code 101}) or final; a 1xx has no body. */
    public Response readNextResponse(boolean headRequest) throws IOException {
        return read(headRequest, false);
    }

    /** Reads exactly {@code n} raw bytes (e.g. after a 101); fewer only if the connection closes. */
    public byte[] readBytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** Reads raw bytes until the server closes the connection. */
    public byte[] readUntilClose() throws IOException {
        return in.readAllBytes();
    }

    private Response read(boolean headRequest, boolean skipInterim) throws IOException {
        while (true) {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            List<String[]> headers = new ArrayList<>();
            String line;
            while ((line = readLine()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
            }
            if (status >= 100 && status < 200 && status != 101 && skipInterim) {
                continue;
            }
            Response head = new Response(parts[0], status, parts.length > 2 ? parts[2] : "", headers, new byte[0]);
            byte[] body;
            if (headRequest || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                body = new byte[0];
            } else if (head.header("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                    .orElse(false)) {
                body = readChunked();
            } else if (head.header("Content-Length").isPresent()) {
                body = in.readNBytes(Integer.parseInt(head.header("Content-Length").get().trim()));
            } else {
                body = in.readAllBytes();
            }
            return new Response(parts[0], status, head.reason(), headers, body);
        }
    }

    /** True if the server closed the connection (reads EOF or a reset within the socket timeout). */
    public boolean isClosedByServer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    public Socket socket() {
        return socket;
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                    // trailers ignored
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine();
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
