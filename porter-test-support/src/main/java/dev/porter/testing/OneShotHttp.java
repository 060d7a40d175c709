package dev.porter.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request on a fresh connection ({@code Connection: close}), bytes exactly as the test writes them, read
 * to the end. For a conversation on one connection (pipelining, keep-alive, half a head), {@link RawHttp}.
 */
public final class OneShotHttp {
    private OneShotHttp() {
    }

    /** A parsed response: status, headers (lower-case names, last wins) and body. */
    public static final class Response {
        public final int status;
        public final Map<String, String> headers;
        public final String body;

        Response(int status, Map<String, String> headers, String body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body;
        }
    }

    /** Sends {@code method target} with the given extra header lines (each {@code Name: value}) to 127.0.0.1:port. */
    public static Response send(int port, String method, String target, String... headerLines) throws IOException {
        return send(InetAddress.getLoopbackAddress(), null, port, method, target, headerLines);
    }

    /** As {@link #send(int, String, String, String...)}, to {@code host}, from {@code localAddress} if not null. */
    public static Response send(InetAddress host, InetAddress localAddress, int port, String method, String target,
            String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder();
        request.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        request.append("Host: localhost:").append(port).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket()) {
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(15000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return parse(readAll(socket.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) > 0) {
            bytes.write(buffer, 0, n);
        }
        return bytes.toByteArray();
    }

    private static Response parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("no complete response head: '" + text + "'");
        }
        String[] lines = text.substring(0, end).split("\r\n", -1);
        int status = Integer.parseInt(lines[0].split(" ", -1)[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Response(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8));
    }

    private static String unchunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int pos = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", pos);
            int size = Integer.parseInt(chunked.substring(pos, lineEnd).split(";", -1)[0].trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            pos = lineEnd + 2 + size + 2;
        }
    }
}
