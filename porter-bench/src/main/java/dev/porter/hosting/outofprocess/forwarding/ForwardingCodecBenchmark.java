package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The forwarder's per-request encode/decode work, without sockets: the proxyToServerRequest encoded as the backend
 * connection's {@code HttpClientCodec} does, the serverToProxyResponse (an nginx "hello", the bench/run backend)
 * decoded, and the proxyToClientResponse encoded as the front server does, each written the way {@link ProxyExchange}
 * writes it ({@link ProxyMessages}). {@code forwardRoundTrip} is all of it for one request, head rewriting included: the
 * CPU a forwarded request costs beyond the front server's own decoding and the system calls. Netty's
 * {@code EmbeddedChannel} stands in for the sockets (its overhead is in every figure).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ForwardingCodecBenchmark {

    /** What bench/nginx-backend.sh answers. */
    static final String NGINX_HELLO = """
            HTTP/1.1 200 OK\r
            Server: nginx/1.22.1\r
            Date: Sun, 22 Nov 2026 05:00:00 GMT\r
            Content-Type: text/plain\r
            Content-Length: 5\r
            Connection: keep-alive\r
            \r
            hello""";

    private HttpRequest browser;
    private ByteBuf nginxHello;
    private EmbeddedChannel requestEncoder;
    private EmbeddedChannel responseDecoder;
    private EmbeddedChannel backend;
    private EmbeddedChannel client;

    @Setup
    public void setUp() {
        browser = ForwardingHeadBenchmark.decodeRequest(ForwardingHeadBenchmark.BROWSER_REQUEST);
        nginxHello = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes(NGINX_HELLO.getBytes(StandardCharsets.ISO_8859_1)));
        requestEncoder = new EmbeddedChannel(new HttpRequestEncoder());
        responseDecoder = new EmbeddedChannel(new HttpResponseDecoder());
        backend = new EmbeddedChannel(new HttpClientCodec());
        client = new EmbeddedChannel(new HttpResponseEncoder());
    }

    @TearDown
    public void tearDown() {
        requestEncoder.finishAndReleaseAll();
        responseDecoder.finishAndReleaseAll();
        backend.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    private static int drainOutbound(EmbeddedChannel ch) {
        int bytes = 0;
        Object o;
        while ((o = ch.readOutbound()) != null) {
            bytes += ((ByteBuf) o).readableBytes();
            ReferenceCountUtil.release(o);
        }
        return bytes;
    }

    /** The rewritten browser request head, encoded for the backend. */
    @Benchmark
    public int encodeProxyToServer() {
        HttpRequest proxyToServerRequest = ForwardingHeadBenchmark.build(ForwardingHeadBenchmark.copy(browser));
        ProxyMessages.writeBodylessRequest(requestEncoder, proxyToServerRequest);
        requestEncoder.flushOutbound();
        return drainOutbound(requestEncoder);
    }

    /** nginx's "hello" response, decoded into a head and its last content. */
    @Benchmark
    public int decodeServerToProxy() {
        responseDecoder.writeInbound(nginxHello.duplicate());
        int n = 0;
        Object o;
        while ((o = responseDecoder.readInbound()) != null) {
            n++;
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    /** The response head rewritten and encoded for the client with its 5-byte body, as the forwarder writes it. */
    @Benchmark
    public int encodeProxyToClient() {
        HttpResponse serverToProxyResponse = ForwardingHeadBenchmark.copy(nginxHead);
        LastHttpContent body = new io.netty.handler.codec.http.DefaultLastHttpContent(
                Unpooled.wrappedBuffer(HELLO));
        ProxyMessages.writeResponse(client, ProxyResponseHead.build(serverToProxyResponse, false), body);
        client.flushOutbound();
        return drainOutbound(client);
    }

    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
    private HttpResponse nginxHead = ForwardingHeadBenchmark.decodeResponse(NGINX_HELLO);

    /** One forwarded request: rewrite, encode to the backend, decode its answer, rewrite, encode to the client. */
    @Benchmark
    public int forwardRoundTrip() {
        HttpRequest proxyToServerRequest = ForwardingHeadBenchmark.build(ForwardingHeadBenchmark.copy(browser));
        ProxyMessages.writeBodylessRequest(backend, proxyToServerRequest);
        backend.flushOutbound();
        int bytes = drainOutbound(backend);
        backend.writeInbound(nginxHello.duplicate());
        HttpResponse head = backend.readInbound();
        HttpContent last = backend.readInbound();
        ProxyMessages.writeResponse(client, ProxyResponseHead.build(head, false), (LastHttpContent) last);
        client.flushOutbound();
        return bytes + drainOutbound(client);
    }
}
