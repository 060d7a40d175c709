package dev.porter.reliability;

import java.util.List;
import java.util.Locale;

/**
 * One request as an application saw it: method, request target, header fields in order (names as received) and the
 * body. {@code problem} is non-null when the bytes the application got were not a well-formed HTTP/1.1 request (a
 * front-server or forwarder bug: the application must only ever see clean requests).
 */
record Seen(String method, String target, List<String[]> headers, byte[] body, String problem) {

    List<String> headers(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    /** Header names starting with MS-ASPNETCORE (any case) other than exactly one token header. */
    List<String> msAspNetCoreNames() {
        return headers.stream().map(h -> h[0])
                .filter(n -> n.toUpperCase(Locale.ROOT).startsWith("MS-ASPNETCORE")).toList();
    }

    boolean smuggled() {
        return target != null && target.toLowerCase(Locale.ROOT).contains("smuggled")
                || headers.stream().anyMatch(h -> h[0].equalsIgnoreCase("X-Smuggled"));
    }

    @Override
    public String toString() {
        return method + " " + target + (problem == null ? "" : " [" + problem + "]");
    }
}
