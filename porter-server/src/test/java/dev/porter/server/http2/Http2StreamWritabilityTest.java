package dev.porter.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2StreamWritability} on an {@link EmbeddedChannel} standing for an HTTP/2 connection, with two more
 * standing for its streams: the connection draining (becoming writable again) is announced on every open stream, so
 * that an exchange held back by its connection ({@link Exchange#isWritable()}) looks again; the connection backing up
 * is not announced (each stream asks its connection when it writes), and a closed stream hears nothing more. This is
 * the mechanism behind SlowReaderTest's many streams held back together, whose end-to-end figures depend on how the
 * streams' first writes race the connection backing up; here the events are driven one by one.
 */
class Http2StreamWritabilityTest {

    private final EmbeddedChannel connection = new EmbeddedChannel();
    private final Http2StreamWritability writability = new Http2StreamWritability();

    @AfterEach
    void close() {
        connection.finishAndReleaseAll();
    }

    /** A stream channel that counts the writability events it hears. */
    private static EmbeddedChannel stream(AtomicInteger heard) {
        return new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                heard.incrementAndGet();
            }
        });
    }

    private void connectionWritable(boolean writable) {
        connection.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        connection.runPendingTasks();
    }

    @Test
    void theConnectionDrainingWakesEveryOpenStream() {
        connection.pipeline().addLast(Http2StreamWritability.NAME, writability);
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        EmbeddedChannel a = stream(first);
        EmbeddedChannel b = stream(second);
        writability.add(a);
        writability.add(b);

        connectionWritable(false);
        assertThat(connection.isWritable()).isFalse();
        assertThat(first).as("backing up is not announced: a stream asks its connection when it writes").hasValue(0);
        assertThat(second).hasValue(0);

        connectionWritable(true);
        assertThat(connection.isWritable()).isTrue();
        assertThat(first).hasValue(1);
        assertThat(second).hasValue(1);

        a.close();
        connectionWritable(false);
        connectionWritable(true);
        assertThat(first).as("a closed stream has left").hasValue(1);
        assertThat(second).hasValue(2);
        b.close();
    }

    @Test
    void theConnectionsOwnPipelineStillHearsTheEvent() {
        AtomicInteger heard = new AtomicInteger();
        connection.pipeline().addLast(Http2StreamWritability.NAME, writability);
        connection.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                heard.incrementAndGet();
            }
        });
        connectionWritable(false);
        connectionWritable(true);
        assertThat(heard).hasValue(2);
    }
}
