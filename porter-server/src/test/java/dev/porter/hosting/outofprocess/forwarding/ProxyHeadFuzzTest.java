package dev.porter.hosting.outofprocess.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.porter.server.EmbeddedFront;
import dev.porter.server.Exchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the forwarder's header rewriting in isolation (spec/ancm-contract.md §1.4):
 * {@link ProxyRequestHead#build} gets a real {@link Exchange} (a request through the real front pipeline, from a
 * fuzzed client address, with a fuzzed target) whose header fields are then replaced by fuzzed ones: any field the
 * front server's header validation lets through (token names, values without CR/LF/NUL or other controls but HTAB),
 * with the guarantees the dispatcher gives on top (at most one {@code Host}; one framing: none, one
 * {@code Content-Length} or {@code Transfer-Encoding: chunked}). Names are drawn from the interesting ones in every
 * case and separator variant, or fuzzed.
 *
 * <p>Invariants of the proxyToServerRequest head: exactly one field whose name, upper-cased with every
 * non-alphanumeric character read as {@code -} (how CGI-style servers name variables), starts with
 * {@code MS-ASPNETCORE}: {@code MS-ASPNETCORE-TOKEN} with Porter's token; no hop-by-hop field ({@code Connection},
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Upgrade}, nor a field the client's
 * {@code Connection} names), except {@code Connection: Upgrade}/{@code Upgrade} of a WebSocket upgrade and our own
 * {@code Transfer-Encoding: chunked}; no CR, LF or NUL anywhere; {@code X-Forwarded-For} is the client's values, then
 * {@code ip:port} of the client (IPv6 in brackets), {@code X-Forwarded-Proto} the client's values then {@code http},
 * one field each; exactly one {@code Host} (the client's, else the local address); the body framing kept; every other
 * field forwarded with all its values in order; HTTP/1.1, the method unchanged; the target is the cooked path escaped
 * so that it decodes back to exactly the cooked path, then the raw query unchanged.
 *
 * <p>{@link ProxyResponseHead}: status and reason kept, HTTP/1.1, no {@code Transfer-Encoding}, {@code Date} or
 * {@code Keep-Alive}, {@code Connection} only when forwarding it is configured (always kept, with {@code Upgrade}, on
 * a 101 of a WebSocket upgrade, which also loses {@code Content-Length}), every other field kept with all its values
 * in order, nothing added.
 *
 * <p>Without {@code JAZZER_FUZZ=1} each method replays its stored inputs only (regression mode); reliability/fuzz fuzzes.
 */
class ProxyHeadFuzzTest {

    private static final String TOKEN = "fuzz-token-0123";
    private static final String[] NAMES = {"MS-ASPNETCORE-TOKEN", "MS-ASPNETCORE", "MS-ASPNETCORE-CLIENTCERT",
        "MS-ASPNETCORE-USER", "MS-ASPNETCORE-AUTH-TYPE", "MS-ASPNETCORE-EVENT", "MS-ASPNETCORE-WINAUTHTOKEN",
        "Connection", "Upgrade", "Keep-Alive", "TE", "Trailer", "Proxy-Connection", "Transfer-Encoding",
        "Content-Length", "X-Forwarded-For", "X-Forwarded-Proto", "Host", "Expect", "Cookie", "Accept", "X-A"};
    private static final String SEPARATORS = "-_.~!#$%&'*+^`|";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade", "transfer-encoding");

    @FuzzTest(maxDuration = "15s")
    void requestHeadIsSafe(FuzzedDataProvider data) {
        InetSocketAddress remote = remoteAddress(data);
        boolean http10 = data.consumeBoolean();
        String target = "/" + latin1(data.consumeBytes(24)).replaceAll("[\\x00-\\x20\\x7f#]", "");
        int framing = data.consumeInt(0, 2);
        String contentLength = Long.toString(data.consumeLong(0, Long.MAX_VALUE / 2));
        HttpHeaders fields = DefaultHttpHeadersFactory.headersFactory().newHeaders(); // the front server's validation
        int count = data.consumeInt(0, 16);
        for (int i = 0; i < count; i++) {
            String name = switch (data.consumeInt(0, 2)) {
                case 0 -> data.pickValue(NAMES);
                case 1 -> variant(data, data.pickValue(NAMES));
                default -> data.consumeAsciiString(20);
            };
            String value = data.consumeBoolean() ? latin1(data.consumeBytes(40))
                    : String.join(data.consumeBoolean() ? "," : ", ", List.of(data.pickValue(NAMES),
                            data.pickValue(NAMES), data.consumeAsciiString(8)));
            try {
                fields.add(name, value);
            } catch (IllegalArgumentException refusedByTheFrontServer) {
                // not a field a client can get past the front server's decoder
            }
        }
        List<String> hosts = fields.getAll(HttpHeaderNames.HOST);
        fields.remove(HttpHeaderNames.HOST);
        if (!hosts.isEmpty()) {
            fields.add(HttpHeaderNames.HOST, hosts.getFirst());
        }
        fields.remove(HttpHeaderNames.CONTENT_LENGTH);
        fields.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (framing == 1) {
            fields.add(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        } else if (framing == 2) {
            fields.add(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        }

        byte[] request = ("GET " + target + (http10 ? " HTTP/1.0\r\n\r\n" : " HTTP/1.1\r\nHost: h\r\n\r\n"))
                .getBytes(StandardCharsets.ISO_8859_1);
        int[] rewritten = {0};
        EmbeddedFront.serve(request, remote, exchange -> {
            HttpRequest clientToProxyRequest = exchange.request();
            clientToProxyRequest.headers().set(fields);
            boolean webSocket = ProxyRequestHead.isWebSocketUpgrade(clientToProxyRequest);
            HttpRequest proxyToServerRequest = ProxyRequestHead.build(exchange, TOKEN, webSocket);
            assertForwardedHead(exchange, fields, webSocket, proxyToServerRequest);
            assertEncodedAsBuilt(exchange, webSocket, proxyToServerRequest);
            rewritten[0]++;
            exchange.respond(HttpResponseStatus.OK, "text/plain", new byte[0]);
        });
        assertThat(rewritten[0]).as("exchanges rewritten").isLessThanOrEqualTo(1);
    }

    /**
     * Findings of this target, pinned with fixed fields: a prefix spelled with another separator than '-' or '_'
     * reached the backend, and so did an {@code X-Forwarded-*} field other than For/Proto that Connection named.
     */
    @org.junit.jupiter.api.Test
    void findingsStayFixed() {
        HttpHeaders fields = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        fields.add("Host", "h");
        fields.add("MS.ASPNETCORE-TOKEN", "forged");
        fields.add("ms~aspnetcore~event", "shutdown");
        fields.add("Connection", "X-Forwarded-Host, x-a");
        fields.add("X-Forwarded-Host", "evil");
        fields.add("X-A", "1");
        fields.add("X-Forwarded-For", "1.2.3.4");
        fields.add("X-B", "kept");
        int[] rewritten = {0};
        EmbeddedFront.serve("GET /p?q HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                new InetSocketAddress("10.0.0.5", 50000), exchange -> {
                    exchange.request().headers().set(fields);
                    HttpRequest out = ProxyRequestHead.build(exchange, TOKEN, false);
                    assertForwardedHead(exchange, fields, false, out);
                    assertThat(out.headers().get("X-Forwarded-For")).isEqualTo("1.2.3.4, 10.0.0.5:50000");
                    assertThat(out.headers().get("X-B")).isEqualTo("kept");
                    rewritten[0]++;
                    exchange.respond(HttpResponseStatus.OK, "text/plain", new byte[0]);
                });
        assertThat(rewritten[0]).isEqualTo(1);
    }

    /**
     * The usual request's head encoded straight into a buffer ({@link ProxyRequestHead#encodeBodyless}) is, byte for
     * byte, what Netty's request encoder makes of {@link ProxyRequestHead#build}'s head: fields the rewriting drops,
     * appends to or adds, a request without {@code Host}, values beyond ASCII, a query with raw bytes.
     */
    @org.junit.jupiter.api.Test
    void anEncodedHeadIsTheBuiltHeadByteForByte() {
        String[][] cases = {
            {"GET /p?q HTTP/1.1\r\nHost: h\r\n\r\n"},
            {"GET / HTTP/1.0\r\n\r\n"},
            {"HEAD /a%20b/c?x=%C3%A9&y=\u00e9 HTTP/1.1\r\nHost: h:81\r\n\r\n", "Accept", "*/*", "User-Agent", "t"},
            {"DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n", "X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "5.6.7.8",
                "X-Forwarded-Proto", "https", "MS-ASPNETCORE-TOKEN", "forged", "ms_aspnetcore_event", "x",
                "Connection", "keep-alive, X-A", "X-A", "1", "Keep-Alive", "5", "TE", "trailers",
                "X-Latin", "caf\u00e9", "Cookie", "a=1", "Cookie", "b=2", "Content-Length", "0"},
        };
        for (String[] c : cases) {
            int[] rewritten = {0};
            EmbeddedFront.serve(c[0].getBytes(StandardCharsets.ISO_8859_1), new InetSocketAddress("10.0.0.5", 50000),
                    exchange -> {
                        for (int i = 1; i + 1 < c.length; i += 2) {
                            exchange.request().headers().add(c[i], c[i + 1]);
                        }
                        assertThat(assertEncodedAsBuilt(exchange, false, ProxyRequestHead.build(exchange, TOKEN,
                                false))).as(c[0]).isTrue();
                        rewritten[0]++;
                        exchange.respond(HttpResponseStatus.OK, "text/plain", new byte[0]);
                    });
            assertThat(rewritten[0]).as(c[0]).isEqualTo(1);
        }
    }

    /** Whether the head could be encoded straight (then its bytes are asserted to be the encoder's). */
    private static boolean assertEncodedAsBuilt(Exchange exchange, boolean webSocket, HttpRequest built) {
        if (!ProxyRequestHead.encodable(exchange, webSocket, !ProxyRequestHead.hasBody(exchange.request()),
                ForwardedHeaders.ANCM)) {
            return false;
        }
        ByteBuf direct = ProxyRequestHead.encodeBodyless(UnpooledByteBufAllocator.DEFAULT, exchange, TOKEN,
                ProxyRequestHead.clientAddress(exchange.remoteAddress()));
        if (direct == null) {
            return false;
        }
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpRequestEncoder());
        encoder.writeOutbound(built);
        StringBuilder viaEncoder = new StringBuilder();
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            viaEncoder.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        encoder.finishAndReleaseAll();
        try {
            assertThat(direct.toString(StandardCharsets.ISO_8859_1)).isEqualTo(viaEncoder.toString());
        } finally {
            direct.release();
        }
        return true;
    }

    @FuzzTest(maxDuration = "15s")
    void responseHeadKeepsEndToEndFields(FuzzedDataProvider data) {
        boolean switching = data.consumeBoolean();
        boolean forwardConnection = data.consumeBoolean();
        int code = switching ? 101 : data.consumeInt(100, 599);
        String reason = data.consumeAsciiString(20).replaceAll("[\\x00-\\x1f\\x7f]", "");
        HttpHeaders fields = DefaultHttpHeadersFactory.headersFactory().newHeaders(); // the backend decoder's validation
        int count = data.consumeInt(0, 16);
        for (int i = 0; i < count; i++) {
            String name = switch (data.consumeInt(0, 2)) {
                case 0 -> data.pickValue(new String[] {"Transfer-Encoding", "Date", "Keep-Alive", "Connection",
                    "Upgrade", "Content-Length", "Server", "Set-Cookie", "Location", "X-A"});
                case 1 -> variant(data, data.pickValue(new String[] {"Transfer-Encoding", "Date", "Keep-Alive",
                    "Connection", "Upgrade", "Content-Length"}));
                default -> data.consumeAsciiString(20);
            };
            try {
                fields.add(name, latin1(data.consumeBytes(30)));
            } catch (IllegalArgumentException refusedByTheDecoder) {
                // not a field the backend response decoder lets through
            }
        }
        List<Map.Entry<String, String>> in = fields.entries();
        HttpResponse serverToProxyResponse = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                new HttpResponseStatus(code, reason), fields);
        HttpResponse out = switching ? ProxyResponseHead.switchingProtocols(serverToProxyResponse)
                : ProxyResponseHead.build(serverToProxyResponse, forwardConnection);

        assertThat(out.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(out.status().code()).isEqualTo(code);
        assertThat(out.status().reasonPhrase()).isEqualTo(reason);
        Set<String> dropped = switching ? Set.of("transfer-encoding", "date", "keep-alive", "content-length")
                : forwardConnection ? Set.of("transfer-encoding", "date", "keep-alive")
                : Set.of("transfer-encoding", "date", "keep-alive", "connection");
        List<Map.Entry<String, String>> expected = new ArrayList<>();
        for (Map.Entry<String, String> e : in) {
            if (!dropped.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                expected.add(e);
            }
        }
        assertThat(byName(out.headers().entries())).as("response fields of %s", in).isEqualTo(byName(expected));
    }

    private static void assertForwardedHead(Exchange exchange, HttpHeaders in, boolean webSocket, HttpRequest out) {
        HttpHeaders h = out.headers();
        assertThat(out.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(out.method()).isEqualTo(exchange.request().method());
        for (Map.Entry<String, String> e : h) {
            assertThat(isToken(e.getKey())).as("forwarded field name %s", e.getKey()).isTrue();
            assertThat(e.getValue()).as("value of %s", e.getKey()).doesNotContain("\r", "\n", "\0");
        }

        List<String> ms = new ArrayList<>();
        for (Map.Entry<String, String> e : h) {
            if (cgiName(e.getKey()).startsWith("MS-ASPNETCORE")) {
                ms.add(e.getKey() + ": " + e.getValue());
            }
        }
        assertThat(ms).as("MS-ASPNETCORE fields forwarded for %s", in.entries())
                .containsExactly("MS-ASPNETCORE-TOKEN: " + TOKEN);

        Set<String> connectionNamed = new java.util.HashSet<>();
        for (String value : in.getAll(HttpHeaderNames.CONNECTION)) {
            for (String option : value.split(",")) {
                connectionNamed.add(option.trim().toLowerCase(Locale.ROOT));
            }
        }
        // What Connection may not take away: the fields Porter sets itself or appends to.
        connectionNamed.removeAll(Set.of("host", "content-length", "transfer-encoding", "x-forwarded-for",
                "x-forwarded-proto", "ms-aspnetcore-token", "connection", "upgrade"));
        for (String name : h.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            assertThat(connectionNamed).as("%s named in Connection %s, forwarded", name,
                    in.getAll(HttpHeaderNames.CONNECTION)).doesNotContain(lower);
        }
        if (webSocket) {
            assertThat(h.getAll(HttpHeaderNames.CONNECTION)).containsExactly("Upgrade");
            assertThat(h.getAll(HttpHeaderNames.UPGRADE)).isEqualTo(in.getAll(HttpHeaderNames.UPGRADE));
        } else {
            assertThat(h.contains(HttpHeaderNames.CONNECTION)).isFalse();
            assertThat(h.contains(HttpHeaderNames.UPGRADE)).isFalse();
        }
        for (String hop : List.of("Keep-Alive", "Proxy-Connection", "TE", "Trailer")) {
            assertThat(h.contains(hop)).as("hop-by-hop %s forwarded", hop).isFalse();
        }
        if (in.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            assertThat(h.getAll(HttpHeaderNames.TRANSFER_ENCODING)).containsExactly("chunked");
            assertThat(h.contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
        } else {
            assertThat(h.contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
            assertThat(h.getAll(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(in.getAll(HttpHeaderNames.CONTENT_LENGTH));
        }

        String client = h.get("X-Forwarded-For");
        assertThat(h.getAll("X-Forwarded-For")).hasSize(1);
        List<String> clientFor = in.getAll("X-Forwarded-For");
        String prefix = clientFor.isEmpty() ? "" : String.join(", ", clientFor) + ", ";
        assertThat(client).as("X-Forwarded-For for %s", clientFor).startsWith(prefix);
        assertThat(parsesBackTo(client.substring(prefix.length()), exchange.remoteAddress()))
                .as("X-Forwarded-For %s names the client %s", client, exchange.remoteAddress()).isTrue();
        List<String> clientProto = in.getAll("X-Forwarded-Proto");
        assertThat(h.getAll("X-Forwarded-Proto")).containsExactly(
                clientProto.isEmpty() ? "http" : String.join(", ", clientProto) + ", http");

        List<String> host = in.getAll(HttpHeaderNames.HOST);
        assertThat(h.getAll(HttpHeaderNames.HOST)).containsExactly(host.isEmpty()
                ? EmbeddedFront.LOCAL.getAddress().getHostAddress() + ":" + EmbeddedFront.LOCAL.getPort()
                : host.getFirst());

        // Everything else goes through unchanged, all values in order.
        List<Map.Entry<String, String>> endToEnd = new ArrayList<>();
        for (Map.Entry<String, String> e : in) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!cgiName(lower).startsWith("MS-ASPNETCORE") && !HOP_BY_HOP.contains(lower)
                    && !connectionNamed.contains(lower) && !lower.equals("x-forwarded-for")
                    && !lower.equals("x-forwarded-proto") && !lower.equals("host")
                    && !lower.equals("content-length")) {
                endToEnd.add(e);
            }
        }
        List<Map.Entry<String, String>> forwarded = new ArrayList<>();
        for (Map.Entry<String, String> e : h) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!cgiName(lower).startsWith("MS-ASPNETCORE") && !HOP_BY_HOP.contains(lower)
                    && !lower.equals("x-forwarded-for") && !lower.equals("x-forwarded-proto")
                    && !lower.equals("host") && !lower.equals("content-length")) {
                forwarded.add(e);
            }
        }
        assertThat(byName(forwarded)).as("end-to-end fields of %s", in.entries()).isEqualTo(byName(endToEnd));

        String uri = out.uri();
        assertThat(uri).startsWith("/");
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            assertThat(c > ' ' && c != 0x7f).as("character 0x%x in the forwarded target %s", (int) c, uri).isTrue();
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        for (int i = 0; i < path.length(); i++) {
            assertThat(path.charAt(i)).as("forwarded path %s", path).isLessThan((char) 0x80);
        }
        assertThat(percentDecode(path)).as("forwarded path %s decoded", path)
                .isEqualTo(exchange.target().cookedPath());
        assertThat(exchange.target().rawQuery())
                .isEqualTo(q < 0 ? Optional.empty() : Optional.of(uri.substring(q + 1)));
    }

    /** Name to values in order, names compared case-insensitively, in first-seen order. */
    private static Map<String, List<String>> byName(List<Map.Entry<String, String>> entries) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : entries) {
            map.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue());
        }
        return new java.util.TreeMap<>(map);
    }

    /** The name as a CGI-style server makes a variable of it: upper case, every other character '-'. */
    private static String cgiName(String name) {
        StringBuilder s = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            s.append(c < 0x80 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '-');
        }
        return s.toString();
    }

    /** {@code name} in another case and with other separators. */
    private static String variant(FuzzedDataProvider data, String name) {
        StringBuilder s = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '-') {
                s.append(SEPARATORS.charAt(data.consumeInt(0, SEPARATORS.length() - 1)));
            } else {
                s.append(data.consumeBoolean() ? Character.toLowerCase(c) : Character.toUpperCase(c));
            }
        }
        return data.consumeBoolean() ? s + data.consumeAsciiString(6) : s.toString();
    }

    private static InetSocketAddress remoteAddress(FuzzedDataProvider data) {
        try {
            int port = data.consumeInt(1, 65535);
            if (data.consumeBoolean()) {
                return new InetSocketAddress(InetAddress.getByAddress(padded(data, 4)), port);
            }
            byte[] v6 = padded(data, 16);
            int scope = data.consumeInt(0, 3);
            InetAddress address = scope == 0 ? InetAddress.getByAddress(v6)
                    : java.net.Inet6Address.getByAddress(null, v6, scope);
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] padded(FuzzedDataProvider data, int length) {
        byte[] bytes = new byte[length];
        byte[] got = data.consumeBytes(length);
        System.arraycopy(got, 0, bytes, 0, got.length);
        return bytes;
    }

    private static boolean parsesBackTo(String written, InetSocketAddress remote) {
        int colon = written.lastIndexOf(':');
        if (colon < 0 || !written.substring(colon + 1).equals(Integer.toString(remote.getPort()))) {
            return false;
        }
        String ip = written.substring(0, colon);
        boolean v6 = remote.getAddress() instanceof java.net.Inet6Address;
        if (v6 != (ip.startsWith("[") && ip.endsWith("]"))) {
            return false;
        }
        if (v6) {
            ip = ip.substring(1, ip.length() - 1);
            if (ip.contains("%") || !ip.matches("[0-9a-f:.]+") || ip.contains(":::")) {
                return false;
            }
        } else if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return false;
        }
        try {
            return java.util.Arrays.equals(sixteen(InetAddress.getByName(ip).getAddress()),
                    sixteen(remote.getAddress().getAddress()));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The 16-byte form (Java reads an IPv4-mapped IPv6 text as the IPv4 address). */
    private static byte[] sixteen(byte[] address) {
        if (address.length == 16) {
            return address;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(address, 0, mapped, 12, 4);
        return mapped;
    }

    private static String percentDecode(String path) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                assertThat(i + 2).as("complete escape in %s", path).isLessThan(path.length());
                bytes.write(Integer.parseInt(path.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("forwarded path " + path + " is not UTF-8 once decoded", e);
        }
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }
}
