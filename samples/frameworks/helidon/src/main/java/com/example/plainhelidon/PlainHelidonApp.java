package com.example.plainhelidon;

import io.helidon.common.configurable.AllowList;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestedUriDiscoveryContext.RequestedUriDiscoveryType;
import io.helidon.common.uri.UriInfo;
import io.helidon.webserver.WebServer;

/**
 * A plain Helidon SE 4 app as its users write it: no Porter code. Behind Porter it reads where to listen and its path
 * base from the environment Porter gives it, and lets Helidon discover the requested URI from RFC 7239's
 * {@code Forwarded} ({@code forwardedHeaders="rfc7239"} in web.config) sent by the one proxy it trusts, on loopback.
 * {@code /whoami} answers what the request looks like to the app.
 */
public final class PlainHelidonApp {

    private PlainHelidonApp() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "8080"));
        String base = System.getenv().getOrDefault("ASPNETCORE_APPL_PATH", "/");
        WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .requestedUriDiscoveryContext(discovery -> discovery
                        .enabled(true)
                        // RFC 7239's Forwarded (forwardedHeaders="rfc7239"): Helidon's X_FORWARDED discovery only
                        // applies when X-Forwarded-For also lists the proxies after the client, which Porter's
                        // standard form (the client alone) does not
                        .addDiscoveryType(RequestedUriDiscoveryType.FORWARDED)
                        .trustedProxies(AllowList.builder().addAllowed("127.0.0.1").build()))
                .routing(routing -> routing.register(base, rules -> rules.get("/whoami", (req, res) -> {
                    UriInfo requested = req.requestedUri();
                    // Helidon leaves the peer as the socket's: the client is the X-Forwarded-For Porter wrote
                    String client = req.headers().first(HeaderNames.X_FORWARDED_FOR)
                            .orElse(req.remotePeer().host());
                    res.send("remoteAddr=" + client + "\n"
                            + "scheme=" + requested.scheme() + "\n"
                            + "host=" + requested.authority() + "\n"
                            + "contextPath=" + base + "\n"
                            + "link=" + requested.toUri() + "\n");
                })))
                .build()
                .start();
    }
}
