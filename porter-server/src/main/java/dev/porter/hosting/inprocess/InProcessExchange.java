package dev.porter.hosting.inprocess;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import dev.porter.httpcontext.HttpContexts;
import dev.porter.httpcontext.PathBase;
import dev.porter.server.Exchange;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request as an in-process app sees it: a {@code com.sun.net.httpserver.HttpExchange} over the front server's
 * {@link Exchange}. {@link #getRequestURI()} is the path form, relative to the application's virtual path (an app at
 * {@code /app1} sees {@code /app1/x} as {@code /x}, as the integration library does out-of-process). Streams, headers
 * and attributes behave as the JDK documents; Porter adds three attributes:
 * <ul>
 * <li>{@value PathBase#ATTRIBUTE}: the application's virtual path as the client spelled it ({@code ""} at the site
 * root) — ASP.NET Core's {@code Request.PathBase} in-process; {@code PorterIntegration.pathBase(exchange)} reads
 * it;</li>
 * <li>{@value #ABORTED_ATTRIBUTE}: a {@code CompletableFuture<Void>} completed when the client disconnects
 * ({@code isDone()} asks, {@code thenRun(...)} registers a callback) — spec §3.3;</li>
 * <li>{@value #MAX_BODY_ATTRIBUTE}: a {@code Long} the handler may set before it first reads the body, to change
 * {@code maxRequestBodySize} for this request (spec §3.2; {@code null} or negative: no limit).</li>
 * </ul>
 *
 * <p>Threading: created on the exchange's event loop; the handler then uses it from its own thread.
 */
final class InProcessExchange extends HttpExchange implements ThreadStarts.Refusal {

    static final String ABORTED_ATTRIBUTE = "porter.requestAborted";
    static final String MAX_BODY_ATTRIBUTE = "porter.maxRequestBodySize";

    private static final Logger LOG = LoggerFactory.getLogger(InProcessExchange.class);
    private static final VarHandle ENDED;
    private static final VarHandle ABORTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ENDED = lookup.findVarHandle(InProcessExchange.class, "ended", boolean.class);
            ABORTED = lookup.findVarHandle(InProcessExchange.class, "aborted", CompletableFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Exchange front;
    private final HttpContext context;
    private final String pathBase;
    private final String relativePath;
    private final InProcessOptions options;
    private final java.util.function.Consumer<InProcessExchange> onEnd;
    /** Its hash (identity semantics, as equals): an identity hash is a call into the VM on each new exchange. */
    private final int hash = java.util.concurrent.ThreadLocalRandom.current().nextInt();
    private final RequestBodyStream requestBody;
    private final ResponseBodyStream responseBody;
    /** Made when the app first asks for it or when the client goes, whichever is first: most requests need neither. */
    private volatile CompletableFuture<Void> aborted;
    private volatile boolean ended;
    private volatile Map<String, Object> attributes; // created by the first setAttribute
    private volatile boolean bodyTooLarge;
    private volatile Thread handlerThread;
    private volatile HttpPrincipal authenticated; // what the app's Authenticator accepted
    private boolean closedWithoutResponse; // handler thread only
    private Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private InputStream in;
    private OutputStream out;
    private int responseCode = -1;
    private URI uri;
    /** The client connection's TLS session, read on the event loop; null on plain http. */
    private final javax.net.ssl.SSLSession sslSession;

    /** On the event loop. */
    InProcessExchange(Exchange front, HttpContext context, String pathBase, String relativePath,
            InProcessOptions options, java.util.function.Consumer<InProcessExchange> onEnd) {
        this.front = front;
        this.context = context;
        this.pathBase = pathBase;
        this.relativePath = relativePath;
        this.options = options;
        this.onEnd = onEnd;
        this.sslSession = front.sslSession().orElse(null); // HttpsExchange's contract: null on plain http
        this.requestBody = new RequestBodyStream(front, this);
        this.responseBody = new ResponseBodyStream(front, this);
        this.in = requestBody;
        this.out = responseBody;
        front.onAbort(this::clientGone);
        if (front.isHttp2()) {
            front.onWritabilityChanged(responseBody::writabilityChanged);
        }
        requestBody.start(options.maxRequestBodySize());
    }

    /** On the event loop: the client went away, or the exchange was cut off. */
    private void clientGone() {
        requestBody.fail(new IOException("The client has disconnected"));
        responseBody.abort();
        aborted().complete(null);
        end();
    }

    void responseFinished() {
        end();
    }

    /** On the event loop: no thread could be started for the handler ({@link ThreadStarts}). */
    @Override
    public void threadRefused() {
        InProcessHttpServer.refused(front, this);
    }

    private CompletableFuture<Void> aborted() {
        CompletableFuture<Void> f = aborted;
        if (f == null) {
            f = new CompletableFuture<>();
            if (!ABORTED.compareAndSet(this, null, f)) {
                f = aborted;
            }
        }
        return f;
    }

    private void end() {
        if (!ended && ENDED.compareAndSet(this, false, true)) {
            // What the app has not read of the body is of no use now: give its buffers back.
            requestBody.close();
            onEnd.accept(this);
        }
    }

    Exchange front() {
        return front;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    boolean isEnded() {
        return ended;
    }

    void bodyTooLarge() {
        bodyTooLarge = true;
    }

    /**
     * The Java meaning of {@code AllowSynchronousIO} (spec §3.2, see {@link InProcessOptions}): with
     * {@code porter.allowSynchronousIO=false}, blocking I/O on a platform thread fails; on a virtual thread it is free.
     */
    void checkSynchronousIO(boolean read) throws IOException {
        if (!options.allowSynchronousIO() && !Thread.currentThread().isVirtual()) {
            throw new IOException(synchronousIoRefused(read, Thread.currentThread().getName()));
        }
    }

    /** What a refused blocking read or write says, in Java words (ANCM's text names ReadAsync/WriteAsync). */
    static String synchronousIoRefused(boolean read, String threadName) {
        return "Blocking " + (read ? "reads from the request body" : "writes to the response body")
                + " on the platform thread '" + threadName + "' are disallowed for this app ("
                + InProcessOptions.ALLOW_SYNCHRONOUS_IO + "=false): run the handlers on virtual threads (no "
                + "executor, or Executors.newVirtualThreadPerTaskExecutor()) or remove -D"
                + InProcessOptions.ALLOW_SYNCHRONOUS_IO + "=false";
    }

    /** Runs the context's filters, authenticator and handler on the current (handler) thread. */
    void run(ClassLoader appLoader) {
        Thread thread = Thread.currentThread();
        handlerThread = thread;
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(appLoader);
        try {
            // Over TLS the app gets an HttpsExchange (as from the JDK's HttpsServer), whose getSSLSession() is the
            // client connection's.
            HttpExchange exchange = sslSession != null ? new InProcessHttpsExchange(this, sslSession) : this;
            HttpContexts.serve(context, exchange, principal -> authenticated = principal);
            if (closedWithoutResponse) {
                closedWithoutResponse = false;
                handlerThread = null;
                responseBody.close(); // returned normally: the connection ends, as with the JDK's server
            }
        } catch (Throwable e) {
            if (e instanceof Error err && err.getClass().getName().equals(AppBytecode.RUNTIME_CLASS + "$Exit")) {
                failed(); // System.exit from a handler: the domain is already stopping
            } else {
                LOG.warn("In-process handler for {} {} threw", front.request().method(), front.request().uri(), e);
                failed();
            }
        } finally {
            thread.setContextClassLoader(previous);
            handlerThread = null;
        }
    }

    /**
     * Called when the response stream is closed before any response: on the handler's own thread the decision waits
     * until the handler has returned or thrown. Returns whether it waits.
     */
    boolean deferClose() {
        if (handlerThread == Thread.currentThread()) {
            closedWithoutResponse = true;
            return true;
        }
        return false;
    }

    /** The thread running the handler now, or null. */
    Thread handlerThread() {
        return handlerThread;
    }

    /** An unhandled failure: 500 (413 after a refused body) before the response started, else the connection ends. */
    private void failed() {
        if (responseBody.resetIfUnsent()) {
            responseBody.begin(errorHead(bodyTooLarge ? 413 : 500), 0, true);
        } else if (!responseBody.finished()) {
            front.eventLoop().execute(front::abort);
            end();
        }
    }

    /** A bodiless error response head (500, 413). */
    static HttpResponse errorHead(int code) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return head;
    }

    // ---- HttpExchange ----------------------------------------------------------------------------------------------

    @Override
    public Headers getRequestHeaders() {
        Headers h = requestHeaders;
        if (h == null) {
            Headers copy = new Headers();
            for (Map.Entry<String, String> e : front.request().headers()) {
                copy.add(e.getKey(), e.getValue());
            }
            h = Headers.of(copy);
            requestHeaders = h;
        }
        return h;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        URI u = uri;
        if (u == null) {
            u = PathBase.requestUri(relativePath, front.target().rawQuery());
            uri = u;
        }
        return u;
    }

    @Override
    public String getRequestMethod() {
        return front.request().method().name();
    }

    @Override
    public HttpContext getHttpContext() {
        return context;
    }

    @Override
    public void close() {
        try {
            requestBody.close();
            out.close();
        } catch (IOException e) {
            LOG.debug("Closing an in-process exchange: {}", e.toString());
        }
    }

    @Override
    public InputStream getRequestBody() {
        return in;
    }

    @Override
    public OutputStream getResponseBody() {
        return out;
    }

    @Override
    public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
        if (responseBody.started()) {
            throw new IOException("headers already sent");
        }
        if (rCode < 100 || rCode > 999) {
            throw new IllegalArgumentException("invalid response code: " + rCode);
        }
        responseCode = rCode;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(rCode));
        HttpHeaders h = head.headers();
        for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
            List<String> values = e.getValue();
            String name = e.getKey();
            if (values == null || name == null || isFraming(name)) {
                continue; // framing is the front server's to decide
            }
            for (String v : values) {
                if (v != null) {
                    h.add(name, v);
                }
            }
        }
        boolean head_ = front.request().method().equals(HttpMethod.HEAD);
        boolean statusWithoutBody = rCode == 204 || rCode == 304 || rCode < 200;
        boolean noBody = responseLength == -1 || head_ || statusWithoutBody;
        if (!statusWithoutBody) {
            if (responseLength > 0) {
                h.add(HttpHeaderNames.CONTENT_LENGTH, Long.toString(responseLength));
            } else if (responseLength == -1) {
                h.add(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
            }
        }
        responseBody.begin(head, responseLength, noBody, head_);
    }

    /** Whether an app's header is one the front server writes itself (the body's framing). */
    private static boolean isFraming(String name) {
        return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding");
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return front.remoteAddress();
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return front.localAddress();
    }

    @Override
    public String getProtocol() {
        return front.protocol(); // HTTP/2.0 on an HTTP/2 stream
    }

    @Override
    public Object getAttribute(String name) {
        Map<String, Object> own = attributes;
        Object value = own == null ? null : own.get(name);
        if (value == null && name.equals(ABORTED_ATTRIBUTE)) {
            return aborted();
        }
        if (value == null && name.equals(PathBase.ATTRIBUTE)) {
            return pathBase;
        }
        return value != null ? value : context.getAttributes().get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (name.equals(MAX_BODY_ATTRIBUTE)) {
            if (requestBody.started()) {
                throw new IllegalStateException("The maximum request body size cannot be modified after the app "
                        + "has already started reading from the request body.");
            }
            requestBody.limit(value == null || ((Number) value).longValue() < 0 ? Long.MAX_VALUE
                    : ((Number) value).longValue());
        }
        Map<String, Object> own = attributes;
        if (own == null) {
            synchronized (this) {
                own = attributes;
                if (own == null) {
                    own = new ConcurrentHashMap<>();
                    attributes = own;
                }
            }
        }
        if (value == null) {
            own.remove(name);
        } else {
            own.put(name, value);
        }
    }

    @Override
    public void setStreams(InputStream i, OutputStream o) {
        if (i != null) {
            in = i;
        }
        if (o != null) {
            out = o;
        }
    }

    @Override
    public HttpPrincipal getPrincipal() {
        // The principal the app's own Authenticator accepted, else the user the front server authenticated; the realm
        // is the scheme, as porter-integration gives it out-of-process, so an app sees the same principal under either
        // hosting model. HttpExchange's contract: null for an anonymous request.
        HttpPrincipal own = authenticated;
        if (own != null) {
            return own;
        }
        return front.user().map(user -> new HttpPrincipal(user.name(), user.authenticationType())).orElse(null);
    }
}
