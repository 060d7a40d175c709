package dev.porter.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code <forwarding trustedProxies="10.0.0.0/8, 127.0.0.1, ::1">}: the peers whose {@code X-Forwarded-For},
 * {@code X-Forwarded-Proto} and {@code Forwarded} fields Porter believes, as ASP.NET Core's
 * {@code ForwardedHeadersOptions.KnownNetworks}/{@code KnownProxies} do. Each entry is an IP address or a CIDR range
 * ({@code address/prefix}); an IPv4 entry also matches the IPv4-mapped IPv6 form of its addresses.
 *
 * <p>Threading: immutable.
 */
public final class TrustedProxies {

    /** Trusts nobody: every peer is the client. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

    private static final String ALLOWED = "a comma-separated list of IP addresses and CIDR ranges, e.g. "
            + "\"10.0.0.0/8, 192.168.1.10, ::1, fd00::/8\"";

    private final List<byte[]> networks;
    private final List<Integer> prefixes;
    private final String text;

    private TrustedProxies(List<String[]> parsed, String text) {
        this.networks = new ArrayList<>();
        this.prefixes = new ArrayList<>();
        this.text = text;
        for (String[] entry : parsed) {
            networks.add(InetAddress.ofLiteral(entry[0]).getAddress());
            prefixes.add(Integer.parseInt(entry[1]));
        }
    }

    /**
     * Parses the attribute's value.
     *
     * @throws IllegalArgumentException naming the entry that is not an address or range, and what is allowed
     */
    public static TrustedProxies parse(String value) {
        List<String[]> parsed = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            if (!ServerConfigParser.isIpLiteral(address)) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range; allowed: "
                        + ALLOWED);
            }
            int bits = InetAddress.ofLiteral(address).getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String p = entry.substring(slash + 1);
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(p) > bits) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0-" + bits
                            + "; allowed: " + ALLOWED);
                }
                prefix = Integer.parseInt(p);
            }
            parsed.add(new String[] {address, Integer.toString(prefix)});
        }
        return parsed.isEmpty() ? NONE : new TrustedProxies(parsed, value.strip());
    }

    /** Whether {@code address} is one of the trusted proxies. */
    public boolean contains(InetAddress address) {
        if (address == null || networks.isEmpty()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (int i = 0; i < networks.size(); i++) {
            byte[] network = networks.get(i);
            byte[] candidate = bytes;
            if (network.length == 4 && bytes.length == 16 && isIpv4Mapped(bytes)) {
                candidate = java.util.Arrays.copyOfRange(bytes, 12, 16);
            }
            if (candidate.length == network.length && matches(network, candidate, prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    private static boolean matches(byte[] network, byte[] address, int prefix) {
        int whole = prefix / 8;
        for (int b = 0; b < whole; b++) {
            if (network[b] != address[b]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (network[whole] & mask) == (address[whole] & mask);
    }

    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int b = 0; b < 10; b++) {
            if (bytes[b] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    @Override
    public String toString() {
        return text;
    }
}
