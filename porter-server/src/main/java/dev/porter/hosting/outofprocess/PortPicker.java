package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses {@code ASPNETCORE_PORT} for a child (spec §1.2): uniformly random in [1025, 48000], redrawn while the port
 * is taken, at most 10 draws. ANCM looks the port up in the TCP listener table; Porter tries to bind it on loopback
 * (with SO_REUSEADDR, so only a bound or listening socket makes it "taken"). The check races with other processes,
 * which is why a failed start attempt draws a new port. Blocking (a bind per draw): call it from a virtual thread.
 */
final class PortPicker {

    static final int MIN_PORT = 1025;
    static final int MAX_PORT = 48000;
    static final int MAX_DRAWS = 10;

    private PortPicker() {
    }

    /** A port that was free a moment ago, or -1 after {@value #MAX_DRAWS} taken ones. */
    static int pickFree() {
        for (int i = 0; i < MAX_DRAWS; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(MIN_PORT, MAX_PORT + 1);
            if (isFree(candidate)) {
                return candidate;
            }
        }
        return -1;
    }

    static boolean isInRange(int port) {
        return port >= MIN_PORT && port <= MAX_PORT;
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A web.config {@code ASPNETCORE_PORT} read the way ANCM reads it (C {@code _wtoi}): leading blanks, an optional
     * sign, then digits up to the first non-digit; no digits at all gives 0 ({@code "noninteger"} → 0, then refused
     * by the range check).
     */
    static int parseLikeWtoi(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        long value = 0;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            value = Math.min(value * 10 + (text.charAt(i) - '0'), Integer.MAX_VALUE);
            i++;
        }
        return (int) (negative ? -value : value);
    }
}
