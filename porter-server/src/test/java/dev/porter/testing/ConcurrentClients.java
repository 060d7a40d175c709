package dev.porter.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small load for lifecycle tests: {@code n} clients on virtual threads, each on its own keep-alive connection (a new
 * one when the server closes it), sending the same GET again and again and keeping every answer with the wall-clock
 * time it was sent. A failed connection or read is kept as status 0, so that "every answer was 2xx" covers it.
 *
 * <p>The tests ask which bodies came back and when, so every sample is kept; but the same few bodies come back again
 * and again (an incarnation's id, a pid), so a sample shares one copy of its body with the samples before it rather
 * than holding its own: a long run costs a small record a request, not a record, a string and its bytes.
 */
public final class ConcurrentClients implements AutoCloseable {

    /** One request: when it was sent (epoch ms), the status (0: no answer) and the body. */
    public record Sample(long sentMillis, int status, String body) {
    }

    private static final int MAX_DISTINCT_BODIES = 1_000;

    private final int port;
    private final String request;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    /** The distinct bodies seen so far, one copy each; bounded, in case an app answers something new each time. */
    private final Map<String, String> bodies = new ConcurrentHashMap<>();

    public ConcurrentClients(int port, String path, int n) {
        this.port = port;
        this.request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().name("client-" + i).start(this::run));
        }
    }

    private void run() {
        RawHttp http = null;
        while (running.get()) {
            long sent = System.currentTimeMillis();
            try {
                if (http == null) {
                    http = new RawHttp("127.0.0.1", port, 60_000);
                }
                RawHttp.Response r = http.exchange(request);
                samples.add(new Sample(sent, r.status(), shared(r.bodyText())));
                if (r.header("Connection").map(v -> v.equalsIgnoreCase("close")).orElse(false)) {
                    http.close();
                    http = null;
                }
            } catch (IOException | RuntimeException e) {
                if (running.get()) {
                    samples.add(new Sample(sent, 0, e.toString()));
                }
                http = closeQuietly(http);
            }
        }
        closeQuietly(http);
    }

    private String shared(String body) {
        String known = bodies.get(body);
        if (known != null) {
            return known;
        }
        if (bodies.size() >= MAX_DISTINCT_BODIES) {
            return body;
        }
        String raced = bodies.putIfAbsent(body, body);
        return raced != null ? raced : body;
    }

    private static RawHttp closeQuietly(RawHttp http) {
        if (http != null) {
            try {
                http.close();
            } catch (IOException e) {
                // the test is over for this connection
            }
        }
        return null;
    }

    /** Every answer so far, in no particular order. */
    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Stops the clients and waits for them (each finishes the request it is in). */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(90_000);
        }
    }
}
