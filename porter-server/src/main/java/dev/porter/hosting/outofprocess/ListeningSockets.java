package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The TCP sockets a child's process tree listens on, read from Linux's {@code /proc}: the listening entries of
 * {@code /proc/<pid>/net/tcp} and {@code tcp6} (state {@code 0A}), kept when their inode is one of the tree's open
 * sockets ({@code /proc/<pid>/fd/* -> socket:[inode]}). Porter's stand-in for ANCM's look at the TCP listener table:
 * it lets a start say which port the app listens on when it is not {@code ASPNETCORE_PORT} ({@link StartDiagnosis}).
 * Elsewhere than Linux, or when {@code /proc} cannot be read, the answer is empty and nothing is diagnosed.
 *
 * <p>Blocking (reads files; about a millisecond for a JVM's hundred descriptors): call it from a virtual thread.
 */
final class ListeningSockets {

    private static final Path PROC = Path.of("/proc");
    private static final String LISTEN = "0A";
    /** The fields of a table line up to the inode, the last one read. */
    private static final int FIELDS = 10;

    /** One listening socket: the address it is bound to (a wildcard for every interface) and its port. */
    record Listener(InetAddress address, int port) {

        /** Whether a connect to 127.0.0.1 on its port reaches it: bound to 127.0.0.1 or to every interface. */
        boolean acceptsIpv4Loopback() {
            byte[] a = address.getAddress();
            if (address.isAnyLocalAddress()) {
                return true;
            }
            return a.length == 4 && a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] == 1;
        }

        /** Whether only this machine can connect (a loopback address); false for a wildcard. */
        boolean loopbackOnly() {
            return address.isLoopbackAddress();
        }

        @Override
        public String toString() {
            String host = address.getHostAddress();
            String shown = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            return shown + ":" + port + (address.isAnyLocalAddress() ? " (every interface)" : "");
        }
    }

    private ListeningSockets() {
    }

    /** The listeners of {@code root} and its descendants, each once; empty when none or not readable. */
    static List<Listener> of(ProcessHandle root) {
        if (!Files.isDirectory(PROC)) {
            return List.of();
        }
        List<Long> pids = new ArrayList<>();
        pids.add(root.pid());
        root.descendants().forEach(p -> pids.add(p.pid()));
        Set<Long> inodes = new HashSet<>();
        for (long pid : pids) {
            socketInodes(PROC.resolve(Long.toString(pid)).resolve("fd"), inodes);
        }
        if (inodes.isEmpty()) {
            return List.of();
        }
        List<Listener> listeners = new ArrayList<>();
        Path net = PROC.resolve(Long.toString(root.pid())).resolve("net");
        read(net.resolve("tcp"), inodes, listeners);
        read(net.resolve("tcp6"), inodes, listeners);
        return listeners;
    }

    private static void socketInodes(Path fdDirectory, Set<Long> into) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDirectory)) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && target.endsWith("]")) {
                        into.add(Long.parseLong(target, 8, target.length() - 1, 10));
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // the descriptor closed while we looked: not a listener
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process exited, or is not ours to look at
        }
    }

    private static void read(Path table, Set<Long> inodes, List<Listener> into) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (int i = 1; i < lines.size(); i++) {
            Listener listener = parse(lines.get(i), inodes);
            if (listener != null && !into.contains(listener)) {
                into.add(listener);
            }
        }
    }

    /**
     * One line of {@code /proc/net/tcp[6]}: {@code sl local_address rem_address st ... uid timeout inode}, the local
     * address in hex, 32-bit words in host (little-endian) order, the port big-endian. Null unless a listener of ours.
     * Split by hand, not with a regex: {@link StartDiagnosis} reads every line of both tables each second of a slow
     * start.
     */
    static Listener parse(String line, Set<Long> inodes) {
        String s = line.trim();
        int[] start = new int[FIELDS];
        int[] end = new int[FIELDS];
        int fields = 0;
        for (int i = 0; i < s.length() && fields < FIELDS; fields++) { // trimmed: every field is non-empty
            start[fields] = i;
            while (i < s.length() && !separator(s.charAt(i))) {
                i++;
            }
            end[fields] = i;
            while (i < s.length() && separator(s.charAt(i))) {
                i++;
            }
        }
        if (fields < FIELDS || end[3] - start[3] != LISTEN.length() || !s.startsWith(LISTEN, start[3])) {
            return null;
        }
        try {
            if (!inodes.contains(Long.parseLong(s, start[9], end[9], 10))) {
                return null;
            }
            int colon = s.indexOf(':', start[1]);
            if (colon < 0 || colon >= end[1]) {
                return null;
            }
            String hex = s.substring(start[1], colon);
            int port = Integer.parseInt(s, colon + 1, end[1], 16);
            byte[] address = new byte[hex.length() / 2];
            for (int word = 0; word < address.length / 4; word++) {
                for (int b = 0; b < 4; b++) {
                    // little-endian word: its last byte in the text is the first in network order
                    int at = word * 8 + (3 - b) * 2;
                    address[word * 4 + b] = (byte) Integer.parseInt(hex, at, at + 2, 16);
                }
            }
            return new Listener(InetAddress.getByAddress(address), port);
        } catch (RuntimeException | UnknownHostException e) {
            return null;
        }
    }

    /** The characters the regex {@code \s} matches, which split the fields before. */
    private static boolean separator(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }
}
