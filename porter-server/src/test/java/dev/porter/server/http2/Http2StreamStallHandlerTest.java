package dev.porter.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2StreamStallHandler} on an {@link EmbeddedChannel} standing for a stream channel, whose clock the test
 * moves: unflushed DATA frames stand for a stream whose window is 0 (its writes do not complete, it is unwritable), a
 * flush for the client opening the window (the writes complete). Buffers are checked released.
 * SlowReaderTest has the starved stream end to end.
 */
class Http2StreamStallHandlerTest {

    private static final long STALL_MILLIS = 3_000;
    private EmbeddedChannel ch;

    private EmbeddedChannel channel() {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        ch.pipeline().addLast(Http2StreamStallHandler.NAME, new Http2StreamStallHandler(STALL_MILLIS));
        return ch;
    }

    /** The app writes a frame the stream's window does not let out. */
    private void backlog() {
        ch.write(new DefaultHttp2DataFrame(Unpooled.buffer(32).writeZero(32)));
        ch.runPendingTasks();
    }

    /** The client opens the window: everything queued goes out. */
    private void taken() {
        ch.flush();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            assertThat(((Http2DataFrame) msg).release()).isTrue();
        }
    }

    private void seconds(int n) {
        for (int i = 0; i < n; i++) {
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    @AfterEach
    void releaseAll() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aStreamWithoutProgressIsResetAfterTheTimeout() {
        channel();
        backlog();
        assertThat(ch.isWritable()).isFalse();
        seconds(2);
        assertThat(ch.isOpen()).as("2 s without progress: still waiting").isTrue();
        seconds(1);
        assertThat(ch.isOpen()).as("3 s (connectionTimeout) without progress: reset").isFalse();
    }

    @Test
    void progressStartsTheWaitAgain() {
        channel();
        backlog();
        seconds(2);
        taken(); // the window opened: the stream moved and is writable again
        assertThat(ch.isWritable()).isTrue();
        backlog(); // and backed up again
        seconds(2);
        assertThat(ch.isOpen()).as("2 s since it last moved").isTrue();
        seconds(1);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aStreamThatIsNotBackedUpIsNeverWatched() {
        channel();
        for (int i = 0; i < 10; i++) {
            backlog();
            taken();
            seconds(1);
        }
        assertThat(ch.isOpen()).isTrue();
    }
}
