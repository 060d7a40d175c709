package dev.porter.hosting.outofprocess.forwarding;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a {@link Forwarder} sends requests: one backend process listening on {@code 127.0.0.1:$ASPNETCORE_PORT}, and
 * the
 * pairing token it was started with ({@code ASPNETCORE_TOKEN}), sent on every request as {@code MS-ASPNETCORE-TOKEN}
 * (spec/ancm-contract.md §1.4).
 */
public record BackendTarget(InetSocketAddress address, String token) {

    public BackendTarget {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(token, "token");
    }
}
