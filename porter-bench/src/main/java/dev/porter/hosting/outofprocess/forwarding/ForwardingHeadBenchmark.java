package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The forwarder's per-request head rewriting (spec/ancm-contract.md §1.4): the proxyToServerRequest built from a
 * clientToProxyRequest ({@link ProxyRequestHead}) and the proxyToClientResponse head built from a
 * serverToProxyResponse ({@link ProxyResponseHead}). The input heads are decoded by Netty's own decoders in setup,
 * so their header objects look exactly like the ones the front server and the backend codec hand over. The rewriting
 * may edit its input in place (the forwarder owns it), so each invocation works on a fresh copy; {@code copyOnly*}
 * measures that copy alone, to be subtracted. In this package because the classes measured are package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ForwardingHeadBenchmark {

    /** What a current browser sends for a page: 14 fields. */
    static final String BROWSER_REQUEST = "GET /shop/orders/42?expand=items&page=2 HTTP/1.1\r\n"
            + "Host: shop.example.com\r\n"
            + "Connection: keep-alive\r\n"
            + "sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n"
            + "sec-ch-ua-mobile: ?0\r\n"
            + "sec-ch-ua-platform: \"Linux\"\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
            + "Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Referer: https://shop.example.com/shop/orders\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-GB,en;q=0.9,de;q=0.8\r\n"
            + "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; consent=1\r\n"
            + "\r\n";

    /** 34 fields: forged MS-ASPNETCORE-* ones (every spelling), hop-by-hop ones, X-Forwarded-* to append to. */
    static final String HOSTILE_REQUEST;

    static {
        StringBuilder b = new StringBuilder("POST /api/v1/items/%3Fodd?x=1 HTTP/1.1\r\n")
                .append("Host: api.example.com\r\n")
                .append("Content-Length: 0\r\n")
                .append("Connection: keep-alive, X-Hop\r\n")
                .append("X-Hop: drop me\r\n")
                .append("Keep-Alive: timeout=5\r\n")
                .append("TE: trailers\r\n")
                .append("Proxy-Connection: keep-alive\r\n")
                .append("MS-ASPNETCORE-TOKEN: forged\r\n")
                .append("ms-aspnetcore-event: shutdown\r\n")
                .append("MS_ASPNETCORE_USER: admin\r\n")
                .append("MS-ASPNETCORE-CLIENTCERT: MIIB\r\n")
                .append("X-Forwarded-For: 203.0.113.7:4711\r\n")
                .append("X-Forwarded-Proto: https\r\n")
                .append("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop\r\n")
                .append("Accept: application/json\r\n")
                .append("Content-Type: application/json\r\n");
        for (int i = 0; i < 19; i++) {
            b.append("X-Custom-").append(i).append(": value-").append(i).append("\r\n");
        }
        HOSTILE_REQUEST = b.append("\r\n").toString();
    }

    /** A typical backend (Kestrel-like) response head: 9 fields, some the forwarder drops. */
    static final String BACKEND_RESPONSE = """
            HTTP/1.1 200 OK\r
            Content-Type: text/html; charset=utf-8\r
            Date: Sun, 22 Nov 2026 05:00:00 GMT\r
            Server: Kestrel\r
            Cache-Control: no-cache, no-store\r
            Set-Cookie: .AspNetCore.Antiforgery=CfDJ8abc; path=/; samesite=strict; httponly\r
            Set-Cookie: session=xyz; path=/; secure\r
            X-Content-Type-Options: nosniff\r
            Connection: keep-alive\r
            Content-Length: 1234\r
            \r
            """;

    static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    static final String CLIENT = "127.0.0.1:50412";
    static final String TOKEN = "6a3c5f0e-2d8b-4c1a-9e7f-0b1d2c3e4f50";

    private HttpRequest browser;
    private HttpRequest hostile;
    private HttpResponse backendResponse;

    @Setup
    public void setUp() {
        browser = decodeRequest(BROWSER_REQUEST);
        hostile = decodeRequest(HOSTILE_REQUEST);
        backendResponse = decodeResponse(BACKEND_RESPONSE);
    }

    static HttpRequest decodeRequest(String text) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder());
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        HttpRequest request = ch.readInbound();
        releaseAll(ch);
        return request;
    }

    static HttpResponse decodeResponse(String text) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder());
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        HttpResponse response = ch.readInbound();
        releaseAll(ch);
        return response;
    }

    private static void releaseAll(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        ch.finishAndReleaseAll();
    }

    static HttpRequest copy(HttpRequest template) {
        return new DefaultHttpRequest(template.protocolVersion(), template.method(), template.uri(),
                template.headers().copy());
    }

    static HttpResponse copy(HttpResponse template) {
        return new DefaultHttpResponse(template.protocolVersion(), template.status(), template.headers().copy());
    }

    /** Splits the browser request's target the way the front server's RequestTarget does (already cooked). */
    static HttpRequest build(HttpRequest clientToProxyRequest) {
        String uri = clientToProxyRequest.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Optional<String> query = q < 0 ? Optional.empty() : Optional.of(uri.substring(q + 1));
        if (path.contains("%3F")) {
            path = path.replace("%3F", "?");
        }
        return ProxyRequestHead.build(clientToProxyRequest, path, query, CLIENT, LOCAL, false, null, null, TOKEN,
                false, !ProxyRequestHead.hasBody(clientToProxyRequest));
    }

    @Benchmark
    public HttpRequest copyOnlyBrowserRequest() {
        return copy(browser);
    }

    @Benchmark
    public HttpRequest requestHeadBrowser() {
        return build(copy(browser));
    }

    @Benchmark
    public HttpRequest requestHeadHostile() {
        return build(copy(hostile));
    }

    @Benchmark
    public HttpResponse copyOnlyBackendResponse() {
        return copy(backendResponse);
    }

    @Benchmark
    public HttpObject responseHead() {
        return ProxyResponseHead.build(copy(backendResponse), false);
    }
}
