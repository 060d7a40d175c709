package dev.porter.server.peer;

import dev.porter.config.TrustedProxies;
import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who the client of a request is: the one place that decides, for both hosting models and the access log (all read
 * it through {@code Exchange.remoteAddress()} and {@code Exchange.client()}).
 *
 * <ol>
 * <li>The peer: the client a PROXY protocol header named ({@link ProxyProtocolHandler}), else the TCP peer. An HTTP/2
 * stream asks its connection.</li>
 * <li>When the peer is one of {@code <forwarding trustedProxies>}, its {@code X-Forwarded-For} (else
 * {@code Forwarded: for=}) is believed, as ASP.NET Core's ForwardedHeadersMiddleware does with known proxies and
 * networks: walking the list from the right, trusted proxies are skipped and the first address that is not one is the
 * client (all trusted: the left-most). An entry that is not an IP address (a name, {@code unknown}, garbage) stops
 * the walk: the client is the last address believed. {@code X-Forwarded-Proto} (else {@code Forwarded: proto=}) at
 * the same position gives the client's scheme. From any other peer these fields are the client's own words and
 * decide nothing.</li>
 * </ol>
 *
 * <p>Threading: the PROXY attribute is written once on the connection's event loop before any request is decoded,
 * the trusted proxies once on each listener before it accepts; reads from any thread see them (Netty attributes are
 * atomic references). {@link #resolve} is a pure function of those and the request's headers.
 */
public final class ClientAddress {

    static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf("porter.proxiedClient");
    static final AttributeKey<TrustedProxies> TRUSTED = AttributeKey.valueOf("porter.trustedProxies");

    /**
     * A request's client.
     *
     * @param address the client's address (port 0 when a forwarded entry had none)
     * @param scheme {@code http} or {@code https} as a trusted proxy said, or null: the connection's own
     * @param forwardedFor when a trusted proxy named the client: the {@code X-Forwarded-For} entries up to and
     *     including the client's, as received (the proxies that handed the request on after it are dropped); else null
     */
    public record Client(InetSocketAddress address, String scheme, String forwardedFor) {

        /** Whether a trusted proxy's forwarding fields named this client. */
        public boolean forwarded() {
            return forwardedFor != null;
        }
    }

    private ClientAddress() {
    }

    /** The peer of {@code channel} (a connection or an HTTP/2 stream): PROXY protocol's client, else the TCP peer. */
    public static InetSocketAddress of(Channel channel) {
        for (Channel c = channel; c != null && !(c instanceof ServerChannel); c = c.parent()) {
            InetSocketAddress proxied = c.attr(PROXIED).get();
            if (proxied != null) {
                return proxied;
            }
        }
        return (InetSocketAddress) channel.remoteAddress();
    }

    /** The client of a request on {@code channel} with these headers. */
    public static Client resolve(Channel channel, HttpHeaders headers) {
        InetSocketAddress peer = of(channel);
        TrustedProxies trusted = trustedProxies(channel);
        if (trusted.isEmpty() || peer == null || !trusted.contains(peer.getAddress())) {
            return new Client(peer, null, null);
        }
        List<String> fors = new ArrayList<>();
        List<String> protos = new ArrayList<>();
        if (headers.contains("X-Forwarded-For")) {
            for (String line : headers.getAll("X-Forwarded-For")) {
                split(line, fors);
            }
            for (String line : headers.getAll("X-Forwarded-Proto")) {
                split(line, protos);
            }
        } else if (headers.contains("Forwarded")) {
            forwardedElements(headers.getAll("Forwarded"), fors, protos);
        }
        InetSocketAddress client = null;
        int at = -1;
        for (int i = fors.size() - 1; i >= 0; i--) {
            InetSocketAddress entry = endpoint(fors.get(i));
            if (entry == null) {
                break;
            }
            client = entry;
            at = i;
            if (!trusted.contains(entry.getAddress())) {
                break;
            }
        }
        if (client == null) {
            return new Client(peer, null, null);
        }
        String scheme = null;
        int protoAt = protos.size() - (fors.size() - at);
        if (protoAt >= 0 && protoAt < protos.size()) {
            String p = protos.get(protoAt).toLowerCase(Locale.ROOT);
            scheme = p.equals("http") || p.equals("https") ? p : null;
        } else if (protos.size() == 1) {
            String p = protos.getFirst().toLowerCase(Locale.ROOT);
            scheme = p.equals("http") || p.equals("https") ? p : null;
        }
        return new Client(client, scheme, String.join(", ", fors.subList(0, at + 1)));
    }

    /** Records the client a PROXY protocol header named. */
    static void set(Channel connection, InetSocketAddress client) {
        connection.attr(PROXIED).set(client);
    }

    /** Makes the connections a listener accepts believe these proxies. */
    public static void trust(Channel listener, TrustedProxies proxies) {
        listener.attr(TRUSTED).set(proxies);
    }

    private static TrustedProxies trustedProxies(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            if (c instanceof ServerChannel) {
                TrustedProxies t = c.attr(TRUSTED).get();
                return t == null ? TrustedProxies.NONE : t;
            }
        }
        return TrustedProxies.NONE;
    }

    private static void split(String line, List<String> into) {
        for (String part : line.split(",", -1)) {
            String p = part.strip();
            if (!p.isEmpty()) {
                into.add(p);
            }
        }
    }

    /** RFC 7239: {@code for=} and {@code proto=} of each element, in order (no {@code for}: "unknown"). */
    private static void forwardedElements(List<String> lines, List<String> fors, List<String> protos) {
        for (String line : lines) {
            for (String element : line.split(",", -1)) {
                if (element.isBlank()) {
                    continue; // RFC 9110 5.6.1: empty list elements do not count
                }
                String forValue = "unknown";
                String protoValue = null;
                for (String pair : element.split(";", -1)) {
                    int eq = pair.indexOf('=');
                    if (eq < 0) {
                        continue;
                    }
                    String name = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                    String value = pair.substring(eq + 1).strip();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    if (name.equals("for")) {
                        forValue = value;
                    } else if (name.equals("proto")) {
                        protoValue = value;
                    }
                }
                fors.add(forValue);
                if (protoValue != null) {
                    protos.add(protoValue);
                }
            }
        }
    }

    /** {@code 1.2.3.4}, {@code 1.2.3.4:80}, {@code ::1}, {@code [::1]}, {@code [::1]:80}; null for anything else. */
    static InetSocketAddress endpoint(String entry) {
        String host = entry;
        int port = 0;
        if (entry.startsWith("[")) {
            int end = entry.indexOf(']');
            if (end < 0) {
                return null;
            }
            host = entry.substring(1, end);
            String rest = entry.substring(end + 1);
            if (rest.startsWith(":")) {
                port = port(rest.substring(1));
            } else if (!rest.isEmpty()) {
                return null;
            }
        } else if (entry.indexOf(':') == entry.lastIndexOf(':') && entry.indexOf(':') > 0) {
            host = entry.substring(0, entry.indexOf(':'));
            port = port(entry.substring(entry.indexOf(':') + 1));
        }
        if (port < 0 || !host.matches("[0-9a-fA-F:.]+") || !(host.contains(".") || host.contains(":"))) {
            return null;
        }
        if (!host.contains(":") && host.split("\\.", -1).length != 4) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int p = Integer.parseInt(text);
        return p <= 65_535 ? p : -1;
    }
}
