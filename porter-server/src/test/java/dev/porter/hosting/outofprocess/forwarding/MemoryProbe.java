package dev.porter.hosting.outofprocess.forwarding;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples, every few milliseconds on a virtual thread, the memory a forwarder could hoard a body in: Netty's
 * allocator (direct and heap buffers) and the JVM's direct buffer pool. The peak says whether a transfer streamed.
 */
final class MemoryProbe implements AutoCloseable {

    private final AtomicLong peakNetty = new AtomicLong();
    private final AtomicLong peakDirect = new AtomicLong();
    private final long baseNetty;
    private final long baseDirect;
    private final Thread sampler;
    private volatile boolean running = true;

    MemoryProbe() {
        baseNetty = nettyUsed();
        baseDirect = directUsed();
        sampler = Thread.ofVirtual().start(() -> {
            while (running) {
                peakNetty.accumulateAndGet(nettyUsed(), Math::max);
                peakDirect.accumulateAndGet(directUsed(), Math::max);
                try {
                    Thread.sleep(5); // a sampling period, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** The largest growth over the start of Netty's allocator and the JVM direct pool, in bytes. */
    long peakGrowth() {
        return Math.max(peakNetty.get() - baseNetty, peakDirect.get() - baseDirect);
    }

    static long nettyUsed() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            return p.metric().usedDirectMemory() + p.metric().usedHeapMemory();
        }
        return 0;
    }

    static long directUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.join();
    }
}
