package dev.porter.integration.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request for {@link RequestRules} without any container. */
final class FakeRequest implements RequestRules.Request {
    private final String method;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 50123);
    private String scheme = "http";

    FakeRequest(String method) {
        this.method = method;
    }

    FakeRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        return this;
    }

    FakeRequest from(String ip, int port) {
        remote = new InetSocketAddress(ForwardedHeaders.endpoint(ip, port).getAddress(), port);
        return this;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? null : values.get(0);
    }

    @Override
    public List<String> headers(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? Collections.<String>emptyList() : values;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String scheme() {
        return scheme;
    }
}
