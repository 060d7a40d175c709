package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * ANCM's shutdown message (spec §1.8): {@code POST {APPL_PATH if longer than "/"}/iisintegration} with
 * {@code MS-ASPNETCORE-EVENT: shutdown} and the pairing token, no body, sent to the child on loopback; the answer's
 * status (202 expected) decides whether Porter falls back to SIGTERM.
 *
 * <p>One blocking socket on the stopping (virtual) thread, written and read by hand. A JDK {@code HttpClient} kept for
 * the server's life holds a selector thread that wakes every few seconds on an idle server; one built at stop time
 * costs a thread start and class loading inside the message's time limit, which a starved machine can eat whole. A
 * socket costs nothing until a stop, and what a stop needs of HTTP is one request and one status line.
 */
final class ShutdownMessage {

    /** As the former client's connect timeout: a loopback connect is refused or accepted at once. */
    private static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A status line or an interim response's header line longer than this is not an HTTP answer. */
    private static final int MAX_LINE = 8_192;

    private ShutdownMessage() {
    }

    /**
     * Sends the message and waits at most {@code limit} (ANCM's WinHTTP timeouts are {@code shutdownTimeLimit}) for
     * the status line.
     *
     * @return the status the app answered, or -1 when there was none (refused, reset, timed out, not HTTP, a token
     *         that cannot be a header value)
     */
    static int send(InetSocketAddress address, String applPath, String token, Duration limit) {
        if (!isHeaderValue(token)) {
            return -1; // never sent: a CR or LF in it would split the message
        }
        long deadline = System.nanoTime() + Math.max(limit.toNanos(), TimeUnit.MILLISECONDS.toNanos(1));
        byte[] request = ("POST " + path(applPath) + " HTTP/1.1\r\n"
                + "Host: " + host(address) + "\r\n"
                + "MS-ASPNETCORE-EVENT: shutdown\r\n"
                + "MS-ASPNETCORE-TOKEN: " + token + "\r\n"
                + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try (Socket socket = new Socket()) {
            socket.connect(address, millisUntil(Math.min(deadline, System.nanoTime() + CONNECT_TIMEOUT_NANOS)));
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            while (true) {
                int status = statusOf(readLine(socket, in, deadline));
                if (status < 100 || status >= 200) {
                    return status;
                }
                // an interim answer (1xx): its headers, then the final status line
                while (!readLine(socket, in, deadline).isEmpty()) {
                    // skipped
                }
            }
        } catch (IOException | RuntimeException e) {
            // refused, reset, timed out (SocketTimeoutException), or interrupted (a virtual thread's socket closes)
            return -1;
        }
    }

    /** {@code 127.0.0.1:port}, or {@code [::1]:port} where the JVM prefers IPv6 for its loopback address. */
    private static String host(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * {@code {APPL_PATH if longer than "/"}/iisintegration} as a request-target path: the virtual path percent-encoded
     * as UTF-8 wherever RFC 3986 does not allow a character in a path ({@code /my app} is {@code /my%20app}), so the
     * app decodes it back to its own path base.
     */
    static String path(String applPath) {
        String path = (applPath.length() > 1 ? applPath : "") + "/iisintegration";
        StringBuilder out = new StringBuilder(path.length() + 8);
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int u = b & 0xff;
            if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(u) >= 0) {
                out.append((char) u);
            } else {
                out.append('%').append(HEX[u >>> 4]).append(HEX[u & 0xf]);
            }
        }
        return out.toString();
    }

    /** Tab, visible ASCII, and Latin-1's upper half (sent as ISO-8859-1 bytes): what the JDK's client accepted. */
    private static boolean isHeaderValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c == '\t' || (c >= 0x20 && c < 0x7f) || (c >= 0x80 && c <= 0xff))) {
                return false;
            }
        }
        return true;
    }

    /** {@code HTTP/1.x NNN ...} to NNN; -1 for anything else. */
    private static int statusOf(String line) {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' '
                || (line.length() > 12 && line.charAt(12) != ' ')) {
            return -1;
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            status = status * 10 + (c - '0');
        }
        return status;
    }

    /** One line without its CR LF, each read bounded by what is left of {@code deadline}. */
    private static String readLine(Socket socket, InputStream in, long deadline) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (line.length() < MAX_LINE) {
            socket.setSoTimeout(millisUntil(deadline));
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before a full line");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
        }
        throw new IOException("line longer than " + MAX_LINE);
    }

    /** Milliseconds left until {@code deadline}, at least 1 (0 would mean no timeout at all). */
    private static int millisUntil(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new IllegalStateException("the shutdown message's time is up");
        }
        return (int) Math.min(left, Integer.MAX_VALUE);
    }
}
