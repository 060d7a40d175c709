package dev.porter.hosting.outofprocess.forwarding;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a raw {@link ServerSocket} (127.0.0.1, OS-chosen port) for the cases a real HTTP server would never
 * produce: garbage, early close, silence, reset, hand-written upgrades. Each accepted connection runs the test's
 * script on a virtual thread; what the scripts saw is recorded. Close it: it closes the listener and every connection.
 */
final class RawBackend implements AutoCloseable {

    /** What one connection does; {@code index} counts connections from 0. */
    @FunctionalInterface
    interface Script {
        void run(Socket socket, int index) throws Exception;
    }

    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closedByPeer = new AtomicInteger();
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    RawBackend(Script script) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    sockets.add(s);
                    int index = accepted.getAndIncrement();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            script.run(s, index);
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Reads one request head and records it. */
    String readHead(Socket s) throws IOException {
        String head = readHead(s.getInputStream());
        if (head != null) {
            heads.add(head);
        }
        return head;
    }

    /** Blocks until the peer closes the connection (EOF or reset); counts it. */
    void awaitPeerClose(Socket s) {
        try {
            while (s.getInputStream().read() != -1) {
                // drain
            }
        } catch (IOException e) {
            // a reset is a close too
        }
        closedByPeer.incrementAndGet();
    }

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads a request head up to and including the blank line; returns it (ISO-8859-1), or null at EOF. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        acceptor.interrupt();
    }
}
