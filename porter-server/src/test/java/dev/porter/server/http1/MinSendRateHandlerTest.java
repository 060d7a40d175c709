package dev.porter.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MinSendRateHandler} on an {@link EmbeddedChannel} whose clock the test moves: unflushed writes stand for what
 * the client has not taken (they stay in the outbound buffer), a flush for the client taking everything. Every buffer
 * written is checked released at the end. SlowReaderTest has the same behaviour end to end.
 */
class MinSendRateHandlerTest {

    private static final int CHUNK = 100 * 1024; // above the 64 KiB high-water mark: one write makes it unwritable
    private final List<ByteBuf> written = new ArrayList<>();
    private EmbeddedChannel ch;

    private static ServerConfig.WebLimits limits(int connectionTimeoutSeconds, long minBytesPerSecond) {
        return new ServerConfig.WebLimits(Duration.ofSeconds(connectionTimeoutSeconds), Duration.ofSeconds(30), 16384)
                .withMinBytesPerSecond(minBytesPerSecond);
    }

    private EmbeddedChannel channel(ServerConfig.WebLimits limits) {
        ch = new EmbeddedChannel();
        ch.freezeTime();
        MinSendRateHandler.install(ch, limits);
        return ch;
    }

    /** The app writes a chunk the client has not taken yet. */
    private void backlog() {
        ByteBuf buf = Unpooled.buffer(CHUNK).writeZero(CHUNK);
        written.add(buf);
        ch.write(buf);
        ch.runPendingTasks(); // the writability event
    }

    /** The client takes everything queued. */
    private void taken() {
        ch.flush();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            ((ByteBuf) msg).release();
        }
    }

    private void seconds(int n) {
        for (int i = 0; i < n; i++) {
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    @AfterEach
    void noLeak() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        assertThat(written).allMatch(b -> b.refCnt() == 0);
    }

    @Test
    void aClientThatTakesNothingIsCutOffAfterConnectionTimeout() {
        channel(limits(3, 0));
        backlog();
        assertThat(ch.isWritable()).isFalse();
        seconds(2);
        assertThat(ch.isOpen()).isTrue();
        seconds(1);
        assertThat(ch.isOpen()).as("closed after 3 s without a byte moving").isFalse();
    }

    @Test
    void aClientBelowTheRateIsCutOffAfterTheGrace() {
        channel(limits(60, 200_000));
        backlog();
        // ~100 KB/s: it takes everything each second and the app queues more
        for (int i = 0; i < 4; i++) {
            seconds(1);
            taken();
            backlog();
        }
        assertThat(ch.isOpen()).as("within the grace").isTrue();
        seconds(1);
        taken();
        backlog();
        seconds(1);
        assertThat(ch.isOpen()).as("below 200,000 bytes/s after the 5 s grace").isFalse();
    }

    @Test
    void aClientAboveTheRateKeepsItsConnection() {
        channel(limits(60, 50_000));
        backlog();
        for (int i = 0; i < 20; i++) {
            seconds(1);
            taken();
            backlog();
        }
        assertThat(ch.isOpen()).isTrue();
        taken();
    }

    @Test
    void zeroDisablesTheRateButNotTheStallLimit() {
        channel(limits(3, 0));
        backlog();
        for (int i = 0; i < 10; i++) {
            seconds(1);
            taken(); // a little progress each second: far below any rate, never 3 s without a byte
            backlog();
        }
        assertThat(ch.isOpen()).isTrue();
        taken();
    }

    @Test
    void nothingIsWatchedOnceTheClientHasTakenEverything() {
        channel(limits(3, 1_000_000));
        backlog();
        seconds(1);
        taken();
        seconds(30); // an idle connection is HeaderTimeoutHandler's business, not this stage's
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void bothLimitsOffInstallNothing() {
        channel(limits(0, 0));
        assertThat(ch.pipeline().get(MinSendRateHandler.NAME)).isNull();
    }
}
