package dev.porter.reliability;

import java.util.List;
import java.util.Locale;

/**
 * One request as an application saw it: method, request target, header fields in order (names as received) and the
 * body. {@code problem} is non-null when the bytes the application got were not a well-formed HTTP/1.1 request (a
 * front-server or forwarder bug: the application must only ever see clean requests).
 */
record Seen(String method, String target, List<String[]> headers, byte[] body, String problem, List<String[]> trailers) {

    Seen(String method, String target, List<String[]> headers, byte[] body, String problem) {
        this(method, target, headers, body, problem, List.of());
    }

    List<String> headers(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).toList();
    }

    /**
     * Names of header and trailer fields that start with MS-ASPNETCORE in any case, '_' counted as '-' (as CGI-style
     * servers map both to the same variable).
     */
    List<String> msAspNetCoreNames() {
        return java.util.stream.Stream.concat(headers.stream(), trailers.stream()).map(h -> h[0])
                .filter(n -> n.toUpperCase(Locale.ROOT).replace('_', '-').startsWith("MS-ASPNETCORE")).toList();
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
