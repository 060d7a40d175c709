package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.porter.Porter;
import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.testing.RawHttp;
import dev.porter.testing.TestApps;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process hosting under volume: a 100 MB upload to a slow reader, and recycles under load. */
class InProcessLoadTest {

    @TempDir
    Path dir;

    private Porter porter;

    @AfterEach
    void stop() {
        if (porter != null) {
            porter.stop();
        }
    }

    private Path app(String name, String arguments) {
        Path appDir = dir.resolve(name);
        AppJars.build(appDir.resolve("app.jar"), InProcessHostingTest.APP);
        writeConfig(appDir, arguments, "10");
        return appDir;
    }

    private static void writeConfig(Path appDir, String arguments, String shutdownTimeLimit) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("processPath", "java");
        attributes.put("arguments", arguments);
        attributes.put("hostingModel", "inprocess");
        attributes.put("shutdownTimeLimit", shutdownTimeLimit);
        TestApps.writeWebConfig(appDir, attributes, Map.of());
    }

    @Test
    void aHundredMegabyteUploadToASlowReaderKeepsTheHeapFlat() throws Exception {
        long size = 100L * 1024 * 1024;
        Path appDir = app("upload", "-jar app.jar");
        ServerConfig base = TestApps.server(Map.of("/", appDir));
        ServerConfig config = new ServerConfig(base.file(), base.sites(),
                new RequestLimits(4L * size, RequestLimits.DEFAULT_MAX_URL, RequestLimits.DEFAULT_MAX_QUERY_STRING),
                base.webLimits());
        porter = Porter.start(config);
        try (RawHttp warm = new RawHttp(porter.port())) {
            assertThat(warm.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        RawHttp.Response response;
        long started = System.nanoTime();
        try (RawHttp http = new RawHttp("127.0.0.1", porter.port(), 120_000)) {
            // The handler sleeps 1 ms per 64 KiB read: ~1600 reads, so the client is held back by the server.
            http.send("POST /upload?delayMs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
            OutputStream out = http.socket().getOutputStream();
            byte[] chunk = new byte[256 * 1024];
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
            response = http.readResponse();
        } finally {
            sampling.set(false);
            sampler.join();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        long growth = peak.get() - baseline;
        System.out.printf("100 MB upload to a slow in-process reader: %d ms, heap baseline %d MB, peak %d MB "
                + "(growth %d MB)%n", millis, baseline >> 20, peak.get() >> 20, growth >> 20);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo(Long.toString(size));
        // Buffering the body anywhere would grow the heap by at least its 100 MB.
        assertThat(growth).isLessThan(48L * 1024 * 1024);
    }

    @Test
    void recyclesAndAppOfflineUnderLoadGiveOnly200And503() throws Exception {
        Path appDir = app("busy", "-jar app.jar");
        porter = Porter.start(TestApps.server(Map.of("/", appDir)));
        try (RawHttp warm = new RawHttp(porter.port())) {
            assertThat(warm.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        }
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    try (RawHttp http = new RawHttp(porter.port())) {
                        int status = http.exchange("GET /slow?ms=5 HTTP/1.1\r\nHost: x\r\n\r\n").status();
                        statuses.add(status);
                        if (status == 200) {
                            ok.incrementAndGet();
                        } else if (status == 503) {
                            unavailable.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        for (int round = 0; round < 3; round++) {
            int before = ok.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > before + 20);
            writeConfig(appDir, "-jar app.jar", round % 2 == 0 ? "9" : "10"); // a web.config change: recycle
            int afterRecycle = ok.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > afterRecycle + 20);
            int offlineBefore = unavailable.get();
            Files.writeString(appDir.resolve("app_offline.htm"), "The app is offline.", StandardCharsets.UTF_8);
            await().atMost(Duration.ofSeconds(30)).until(() -> unavailable.get() > offlineBefore);
            Files.delete(appDir.resolve("app_offline.htm"));
        }
        int last = ok.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > last + 20);
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
        assertThat(failures).isEmpty();
        assertThat(statuses).containsOnly(200, 503);
    }

    @Test
    void aHundredMegabyteDownloadToASlowClientKeepsTheHeapFlat() throws Exception {
        long size = 100L * 1024 * 1024;
        porter = Porter.start(TestApps.server(Map.of("/", app("download", "-jar app.jar"))));
        try (RawHttp warm = new RawHttp(porter.port())) {
            assertThat(warm.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long received = 0;
        long started = System.nanoTime();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", porter.port())) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write("GET /download?mb=100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            java.io.InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            int n;
            long reads = 0;
            while ((n = in.read(buffer)) != -1) {
                received += n;
                if (++reads % 4 == 0) {
                    Thread.sleep(1); // a slow client: the app's writes must wait for it
                }
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        long growth = peak.get() - baseline;
        System.out.printf("100 MB download to a slow client from an in-process app: %d ms, heap baseline %d MB, "
                + "peak %d MB (growth %d MB)%n", millis, baseline >> 20, peak.get() >> 20, growth >> 20);
        assertThat(received).isGreaterThan(size); // the body and its head
        assertThat(growth).isLessThan(48L * 1024 * 1024);
    }
}
