package dev.porter.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StrictServerCodec} alone, through an {@link EmbeddedChannel}: what Netty 4.2 refuses by itself with Porter's
 * decoder configuration, what Porter adds (obsolete line folding, wherever the packet boundaries fall), the upgrade
 * hold, HEAD-aware encoding; and that every input buffer is released.
 */
class StrictServerCodecTest {

    private static ResourceLeakDetector.Level previous;

    @BeforeAll
    static void paranoid() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @AfterAll
    static void restore() {
        ResourceLeakDetector.setLevel(previous);
    }

    private final List<ByteBuf> inputs = new ArrayList<>();

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new StrictServerCodec(StrictServerCodec.decoderConfig(
                dev.porter.config.ServerConfig.WebLimits.DEFAULTS)));
    }

    private void write(EmbeddedChannel ch, String text) {
        ByteBuf buf = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        inputs.add(buf);
        ch.writeInbound(buf);
    }

    /** Reads every decoded message, releasing each; returns them described. */
    private static List<String> drain(EmbeddedChannel ch) {
        List<String> seen = new ArrayList<>();
        Object msg;
        while ((msg = ch.readInbound()) != null) {
            HttpObject o = (HttpObject) msg;
            String kind = o instanceof HttpRequest r ? "request " + r.method() + " " + r.uri()
                    : o instanceof LastHttpContent ? "last" : "content";
            if (o instanceof HttpContent c && c.content().isReadable()) {
                kind += " " + c.content().toString(StandardCharsets.ISO_8859_1);
            }
            seen.add(o.decoderResult().isFailure() ? "FAILED " + kind + ": " + o.decoderResult().cause().getMessage()
                    : kind);
            ReferenceCountUtil.release(msg);
        }
        return seen;
    }

    private void assertInputsReleased(EmbeddedChannel ch) {
        ch.finishAndReleaseAll();
        assertThat(inputs).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\r\n  \r\nHost: a\r\n\r\n",
    })
    void refusesObsoleteLineFoldingWhateverThePacketBoundaries(String request) {
        for (int split = 1; split < request.length(); split++) {
            EmbeddedChannel ch = channel();
            write(ch, request.substring(0, split));
            write(ch, request.substring(split));
            List<String> seen = drain(ch);
            assertThat(seen).as("split at %d", split).isNotEmpty();
            assertThat(seen.getFirst()).as("split at %d", split).startsWith("FAILED").contains("folding");
            assertInputsReleased(ch);
        }
    }

    @Test
    void refusesFoldingFedOneByteAtATime() {
        EmbeddedChannel ch = channel();
        for (char c : "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n".toCharArray()) {
            write(ch, String.valueOf(c));
        }
        assertThat(drain(ch).getFirst()).startsWith("FAILED").contains("folding");
        assertInputsReleased(ch);
    }

    @Test
    void acceptsWhitespaceInsideValuesAndEmptyLinesBeforeARequest() {
        EmbeddedChannel ch = channel();
        write(ch, "\r\n\r\nGET /1 HTTP/1.1\r\nHost: a\r\nX: a b\t c\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n \r\n"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(drain(ch)).containsExactly("request GET /1", "last", "request POST /2", "last  \r\n",
                "request GET /3", "last");
        assertInputsReleased(ch);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    })
    void refusesMalformedHeadsAndReleasesEverything(String request) {
        EmbeddedChannel ch = channel();
        write(ch, request);
        List<String> seen = drain(ch);
        assertThat(seen.getFirst()).startsWith("FAILED request");
        assertInputsReleased(ch);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\n", "3\r\nabcXX\r\n", "3\nabc\r\n", "3\r\nabc\n0\r\n\r\n"})
    void refusesBadChunkFramingAndReleasesEverything(String body) {
        EmbeddedChannel ch = channel();
        write(ch, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        List<String> seen = drain(ch);
        assertThat(seen.getFirst()).isEqualTo("request POST /");
        assertThat(seen.getLast()).startsWith("FAILED last");
        assertInputsReleased(ch);
    }

    @Test
    void holdsWhatFollowsAnUpgradeRequestUndecoded() {
        EmbeddedChannel ch = channel();
        write(ch, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nGET /not-http HTTP/1.1\r\n");
        assertThat(drain(ch)).containsExactly("request GET /ws", "last");
        write(ch, "\r\nmore");
        assertThat(drain(ch)).isEmpty();
        StrictServerCodec codec = ch.pipeline().get(StrictServerCodec.class);
        ByteBuf early = codec.takeUndecoded();
        assertThat(early.toString(StandardCharsets.ISO_8859_1)).isEqualTo("GET /not-http HTTP/1.1\r\n\r\nmore");
        early.release();
        assertThat(codec.takeUndecoded()).isNull();
        assertInputsReleased(ch);
    }

    @Test
    void decodesWhatFollowsAnUpgradeRequestAnsweredWithoutSwitching() {
        EmbeddedChannel ch = channel();
        write(ch, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(drain(ch)).containsExactly("request GET /ws", "last");
        ch.pipeline().get(StrictServerCodec.class).upgradeAnswered();
        ch.runPendingTasks();
        assertThat(drain(ch)).containsExactly("request GET /next", "last");
        assertInputsReleased(ch);
    }

    @Test
    void writesNoBodyForHeadButTheSameHeaders() {
        EmbeddedChannel ch = channel();
        write(ch, "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /g HTTP/1.1\r\nHost: a\r\n\r\n");
        drain(ch);
        for (int i = 0; i < 2; i++) {
            ByteBuf body = Unpooled.directBuffer().writeBytes("body".getBytes(StandardCharsets.US_ASCII));
            inputs.add(body); // the HEAD response's body must be released, not written
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.OK, body);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 4);
            ch.writeOutbound(response);
        }
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertThat(out.toString()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody");
        assertInputsReleased(ch);
    }
}
