package dev.porter.hosting.outofprocess;

import dev.porter.hosting.outofprocess.ListeningSockets.Listener;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Says, in plain words, why a child that is alive is not reachable where Porter forwards (127.0.0.1 on
 * {@code ASPNETCORE_PORT}), from what its process tree listens on ({@link ListeningSockets}); and warns about a child
 * that other machines can reach directly. Porter goes beyond ANCM here: ANCM waits {@code startupTimeLimit} twice and
 * then reports "Failed to bind to port" with an HRESULT, though the app is up on a port of its own.
 *
 * <p>Two misfits end a start at once ({@link BackendProcess.Readiness#MISFIT}):
 * <ul>
 * <li>the tree listens on {@code ASPNETCORE_PORT}, but at an address 127.0.0.1 does not reach (a LAN address,
 * {@code ::1});</li>
 * <li>it does not listen on {@code ASPNETCORE_PORT}, and another port it listens on answers HTTP (a port that does not,
 * such as a debugger's JDWP port, is no misfit: the app may still be starting).</li>
 * </ul>
 *
 * <p>Blocking (reads /proc, connects on loopback): call it from the start's virtual thread.
 */
final class StartDiagnosis {

    private static final int SNIFF_TIMEOUT_MILLIS = 1_000;

    private StartDiagnosis() {
    }

    /** The misfit of a child expected on {@code port}, or null (none seen, or too early to say). */
    static String misfit(List<Listener> listeners, int port) {
        return misfit(listeners, port, StartDiagnosis::speaksHttp);
    }

    static String misfit(List<Listener> listeners, int port, Predicate<Listener> speaksHttp) {
        if (listeners.isEmpty()) {
            return null;
        }
        List<Listener> onPort = listeners.stream().filter(l -> l.port() == port).toList();
        if (onPort.stream().anyMatch(Listener::acceptsIpv4Loopback)) {
            return null; // the probe connects in a moment
        }
        if (!onPort.isEmpty()) {
            return "The application listens on port " + port + " (ASPNETCORE_PORT) but only at " + list(onPort)
                    + ", which Porter's connections to 127.0.0.1:" + port + " do not reach. Bind it to 127.0.0.1.";
        }
        List<Listener> http = listeners.stream().filter(speaksHttp).toList();
        if (http.isEmpty()) {
            return null;
        }
        return "The application is running and answers HTTP on " + list(http) + ", not on port " + port + ", the "
                + "port Porter gave it in the environment variable ASPNETCORE_PORT (Porter forwards to 127.0.0.1:"
                + port + " only). Make the app listen on ASPNETCORE_PORT, e.g. Spring Boot: "
                + "server.port=${ASPNETCORE_PORT}; a command-line port: %ASPNETCORE_PORT% in the web.config "
                + "arguments; Node: app.listen(process.env.ASPNETCORE_PORT, '127.0.0.1').";
    }

    /**
     * A warning when the tree listens where other machines can connect (every interface, or a LAN address): such
     * requests skip Porter, its TLS and authentication, and carry no pairing token unless the app checks one. Null
     * when everything is on loopback.
     */
    static String exposure(List<Listener> listeners, int port) {
        List<Listener> open = listeners.stream().filter(l -> !l.loopbackOnly()).toList();
        if (open.isEmpty()) {
            return null;
        }
        return "The application listens on " + list(open) + ", where other machines can reach it without going "
                + "through Porter (no TLS, no authentication, no check of the pairing token unless the app makes it). "
                + "Bind it to 127.0.0.1" + (open.stream().anyMatch(l -> l.port() == port)
                        ? " (Spring Boot: server.address=127.0.0.1; Node: app.listen(port, '127.0.0.1'))." : ".");
    }

    private static String list(List<Listener> listeners) {
        return listeners.stream().map(Listener::toString).collect(Collectors.joining(", "));
    }

    /**
     * Whether the listener answers an HTTP request ({@code OPTIONS *}, which asks for nothing) with a status line.
     * Connects on loopback when the listener accepts it, else at its own address (a local one).
     */
    static boolean speaksHttp(Listener listener) {
        InetAddress target = listener.acceptsIpv4Loopback() || listener.address().isAnyLocalAddress()
                ? InetAddress.getLoopbackAddress() : listener.address();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target, listener.port()), SNIFF_TIMEOUT_MILLIS);
            socket.setSoTimeout(SNIFF_TIMEOUT_MILLIS);
            socket.getOutputStream().write("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(5);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
        } catch (IOException e) {
            return false;
        }
    }
}
