package com.example.plainmicronaut;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.server.util.HttpClientAddressResolver;
import io.micronaut.http.server.util.HttpHostResolver;

/** Answers what the request looks like to the app, one {@code key=value} per line. */
@Controller("/whoami")
public class WhoAmIController {

    private final HttpClientAddressResolver addresses;
    private final HttpHostResolver hosts;

    public WhoAmIController(HttpClientAddressResolver addresses, HttpHostResolver hosts) {
        this.addresses = addresses;
        this.hosts = hosts;
    }

    @Get(produces = MediaType.TEXT_PLAIN)
    public String whoami(HttpRequest<?> request) {
        String host = hosts.resolve(request);
        return "remoteAddr=" + addresses.resolve(request) + "\n"
                + "host=" + host + "\n"
                + "contextPath=" + request.getPath().substring(0, request.getPath().length() - "/whoami".length())
                + "\n"
                + "link=" + host + request.getPath() + "\n";
    }
}
