package dev.porter.server;

import dev.porter.config.ServerConfig;
import dev.porter.config.TrustedProxies;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import dev.porter.server.peer.ClientAddress;
import dev.porter.server.peer.ProxyProtocolHandler;
import dev.porter.server.tls.TlsContexts;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front server (the IIS + HTTP.sys role): owns the listening sockets of every binding, the event loops, and the
 * client connections; routes each request to an application's {@link RequestHandler}. A binding with port 0 listens
 * on a port the OS picks ({@link #listenAddresses()} says which), which tests use.
 */
public final class PorterServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PorterServer.class);

    private volatile ServerConfig config;
    private final BiFunction<ServerConfig.Site, ServerConfig.Application, RequestHandler> handlers;
    private final AccessLog accessLog;
    private final ServerState state = new ServerState();
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Class<? extends ServerChannel> channelType;
    private final List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Router router;
    private volatile FrontPipeline pipeline;
    private volatile TrustedProxies trustedProxies = TrustedProxies.NONE;
    /**
     * The listen keys whose bindings say {@code proxyProtocol="true"}: read by each listener when it accepts a
     * connection, so a live porter.xml change applies to the connections accepted after it.
     */
    private volatile java.util.Set<String> proxyProtocolKeys = java.util.Set.of();
    private volatile FrontSecurity security = FrontSecurity.OPEN;
    private final Map<Channel, Boolean> secureListeners = new java.util.concurrent.ConcurrentHashMap<>();
    /** The listener of each listen key ({@code protocol|address:port} as configured), and its real port. */
    private final Map<String, Channel> listenersByKey = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Integer> actualPorts = new java.util.concurrent.ConcurrentHashMap<>();
    private ServerBootstrap bootstrap;

    public PorterServer(ServerConfig config,
            BiFunction<ServerConfig.Site, ServerConfig.Application, RequestHandler> handlers, AccessLog accessLog) {
        this.config = config;
        this.handlers = handlers;
        this.accessLog = accessLog;
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.channelType = Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, io);
        this.workerGroup = new MultiThreadIoEventLoopGroup(eventLoopThreads(), io);
    }

    /**
     * One event loop per core, as nginx runs one worker per core ({@code worker_processes auto}): nothing on a loop
     * blocks, so a loop never waits for a core, and more loops than cores only adds runnable threads that take turns
     * on the same cores (a request's turn comes later: p99 grows, and each wake-up finds fewer requests to handle in
     * one go, so each costs more system calls). Netty's own default is twice the cores. Its
     * {@code io.netty.eventLoopThreads} system property, when set, still decides.
     */
    static int eventLoopThreads() {
        if (System.getProperty("io.netty.eventLoopThreads") != null) {
            return 0; // Netty reads it
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The proxies whose forwarding fields name the client ({@code <forwarding trustedProxies>}). Set before
     * {@link #start}, or later for a live porter.xml change: every request decoded from then on, on new and on open
     * connections, is judged by the new list (each request reads its listener's list). Called from one thread at a
     * time.
     */
    public void trustProxies(TrustedProxies proxies) {
        this.trustedProxies = proxies;
        for (Channel listener : listeners) {
            ClientAddress.trust(listener, proxies);
        }
    }

    /**
     * Binds every listening address and starts accepting. Port-0 bindings get their real port before any connection
     * is accepted, so routing always sees the port clients connect to.
     */
    public void start() throws IOException {
        Plan plan = plan(config);
        proxyProtocolKeys = java.util.Set.copyOf(plan.proxyProtocol());
        bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true);
        try {
            for (Map.Entry<String, InetSocketAddress> e : plan.wanted().entrySet()) {
                bind(e.getKey(), e.getValue(), plan.certificates().get(e.getKey()));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.router = new Router(resolvePorts(config, actualPorts), handlers);
        this.security = config.security() == null ? FrontSecurity.OPEN : new FrontSecurity(config.security());
        this.pipeline = new FrontPipeline(config, router, accessLog, state, security);
        for (Channel listener : listeners) {
            listener.config().setAutoRead(true);
            LOG.info("Listening on {}://{}", Boolean.TRUE.equals(secureListeners.get(listener)) ? "https" : "http",
                    format((InetSocketAddress) listener.localAddress()));
        }
        if (!plan.certificates().isEmpty()) {
            LOG.info("TLS provider: {}", TlsContexts.provider());
        }
    }

    /** The listeners a configuration needs (by listen key) and the certificates of its TLS ones. */
    private record Plan(Map<String, InetSocketAddress> wanted, Map<String, Mapping<String, SslContext>> certificates,
            java.util.Set<String> proxyProtocol) {
    }

    private static Plan plan(ServerConfig config) throws IOException {
        Map<String, InetSocketAddress> wanted = new LinkedHashMap<>();
        Map<String, List<ServerConfig.Binding>> tlsBindings = new LinkedHashMap<>();
        java.util.Set<String> proxyProtocol = new java.util.HashSet<>();
        for (ServerConfig.Site site : config.sites()) {
            for (ServerConfig.Binding b : servedBindings(site)) {
                InetSocketAddress address = b.anyAddress() ? new InetSocketAddress(b.port())
                        : new InetSocketAddress(b.address(), b.port());
                wanted.putIfAbsent(listenKey(b), address);
                if (b.proxyProtocol()) {
                    proxyProtocol.add(listenKey(b));
                }
                if (b.isHttps()) {
                    tlsBindings.computeIfAbsent(listenKey(b), k -> new ArrayList<>()).add(b);
                }
            }
        }
        // A wildcard listener on a port serves the specific addresses of that port too (and their certificates).
        for (Map.Entry<String, List<ServerConfig.Binding>> e : tlsBindings.entrySet()) {
            ServerConfig.Binding any = e.getValue().getFirst();
            if (!any.anyAddress() && any.port() != 0 && tlsBindings.containsKey(wildcardKey(any))) {
                tlsBindings.get(wildcardKey(any)).addAll(e.getValue());
            }
        }
        wanted.entrySet().removeIf(e -> !e.getKey().contains("|*:") && e.getValue().getPort() != 0
                && wanted.containsKey(e.getKey().substring(0, e.getKey().indexOf('|')) + "|*:"
                        + e.getValue().getPort()));
        Map<String, Mapping<String, SslContext>> certificates = new LinkedHashMap<>();
        for (Map.Entry<String, List<ServerConfig.Binding>> e : tlsBindings.entrySet()) {
            if (wanted.containsKey(e.getKey())) {
                try {
                    certificates.put(e.getKey(), TlsContexts.forListener(e.getValue(),
                            config.security().access()));
                } catch (javax.net.ssl.SSLException | RuntimeException ex) {
                    throw new IOException("cannot use the certificate of " + e.getValue().getFirst().certificate()
                            .origin() + " (" + e.getValue().getFirst().certificate().file() + "): " + ex.getMessage(),
                            ex);
                }
            }
        }
        return new Plan(wanted, certificates, proxyProtocol);
    }

    /** Binds one listener (not accepting yet: auto-read is off until it is turned on). */
    private Channel bind(String key, InetSocketAddress address, Mapping<String, SslContext> tls)
            throws IOException {
        ServerBootstrap listener = bootstrap.clone().childHandler(new io.netty.channel.ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                state.clientConnected(ch);
                if (proxyProtocolKeys.contains(key)) {
                    ProxyProtocolHandler.install(ch.pipeline());
                }
                if (tls != null) {
                    pipeline.initTls(ch, tls);
                } else {
                    pipeline.initPlain(ch);
                }
            }
        });
        Channel ch;
        try {
            ch = listener.bind(address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e instanceof io.netty.channel.ChannelException || e.getClass().getName().contains("Bind")) {
                throw new IOException(e.getMessage(), e);
            }
            throw e;
        }
        ClientAddress.trust(ch, trustedProxies);
        secureListeners.put(ch, tls != null);
        listeners.add(ch);
        listenersByKey.put(key, ch);
        actualPorts.put(key, ((InetSocketAddress) ch.localAddress()).getPort());
        return ch;
    }

    /**
     * Applies a changed porter.xml without a restart (as IIS applies applicationHost.config): listeners for new
     * bindings are bound and start accepting, listeners no binding needs any more are closed (connections they
     * accepted stay open and are routed by the new table), and the routing table is swapped at once. Connections to
     * everything else are untouched. Server-wide limits and authentication apply to connections accepted from now on,
     * and so does a binding's {@code proxyProtocol} on a listener that stays (connections already open keep what they
     * began with; logged); a changed certificate of a listener that stays needs a restart (logged).
     * {@code handlers} gives each application's handler (the hosting module keeps the running ones). If a new listener
     * cannot be bound, nothing changes and the exception says why. Called from one thread at a time.
     */
    public synchronized void reconfigure(ServerConfig next,
            BiFunction<ServerConfig.Site, ServerConfig.Application, RequestHandler> nextHandlers) throws IOException {
        Plan plan = plan(next);
        List<Channel> added = new ArrayList<>();
        try {
            for (Map.Entry<String, InetSocketAddress> e : plan.wanted().entrySet()) {
                if (!listenersByKey.containsKey(e.getKey())) {
                    added.add(bind(e.getKey(), e.getValue(), plan.certificates().get(e.getKey())));
                } else if (plan.certificates().containsKey(e.getKey())) {
                    LOG.info("porter.xml: the listener {} stays; a changed certificate on it applies after a restart",
                            e.getKey());
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Channel ch : added) {
                forget(ch);
                ch.close().syncUninterruptibly();
            }
            throw e;
        }
        java.util.Set<String> proxyProtocolBefore = proxyProtocolKeys;
        proxyProtocolKeys = java.util.Set.copyOf(plan.proxyProtocol());
        for (String key : plan.wanted().keySet()) {
            if (listenersByKey.containsKey(key) && !added.contains(listenersByKey.get(key))
                    && proxyProtocolBefore.contains(key) != proxyProtocolKeys.contains(key)) {
                LOG.info(proxyProtocolKeys.contains(key)
                        ? "porter.xml: the binding {} now says proxyProtocol=\"true\": connections accepted from now "
                                + "on must open with a PROXY protocol header (connections already open are unchanged)"
                        : "porter.xml: the binding {} no longer says proxyProtocol=\"true\": connections accepted "
                                + "from now on are read without a PROXY protocol header (connections already open are "
                                + "unchanged)", key.replace("|", "://"));
            }
        }
        // unchanged authentication keeps its FrontSecurity (and its verifier threads)
        FrontSecurity nextSecurity = java.util.Objects.equals(next.security(), config.security()) ? security
                : next.security() == null ? FrontSecurity.OPEN : new FrontSecurity(next.security());
        this.config = next;
        router.replaceRoutes(new Router(resolvePorts(next, actualPorts), nextHandlers));
        // The previous authentication stays with the connections that use it (closing it would break them).
        this.security = nextSecurity;
        this.pipeline = new FrontPipeline(next, router, accessLog, state, nextSecurity);
        for (Channel ch : added) {
            ch.config().setAutoRead(true);
            LOG.info("porter.xml: listening on {}://{}", Boolean.TRUE.equals(secureListeners.get(ch)) ? "https"
                    : "http", format((InetSocketAddress) ch.localAddress()));
        }
        for (String key : List.copyOf(listenersByKey.keySet())) {
            if (!plan.wanted().containsKey(key)) {
                Channel ch = listenersByKey.get(key);
                forget(ch);
                ch.close().syncUninterruptibly();
                LOG.info("porter.xml: no longer listening on {}", format((InetSocketAddress) ch.localAddress()));
            }
        }
    }

    private void forget(Channel ch) {
        listeners.remove(ch);
        secureListeners.remove(ch);
        listenersByKey.values().remove(ch);
        actualPorts.entrySet().removeIf(e -> !listenersByKey.containsKey(e.getKey()));
    }

    /** The addresses the server listens on, with their real ports. */
    public List<InetSocketAddress> listenAddresses() {
        return listeners.stream().map(ch -> (InetSocketAddress) ch.localAddress()).toList();
    }

    /** The port of the first listener: handy for a single-binding server. */
    public int port() {
        return listenAddresses().getFirst().getPort();
    }

    public Router router() {
        return router;
    }

    /**
     * Graceful stop: stop accepting, answer new requests on open connections with 503, let in-flight exchanges finish
     * for up to {@code drainTime}, then close every connection.
     */
    public void stop(Duration drainTime) {
        state.startDraining();
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        try {
            state.drained().get(drainTime.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("{} request(s) still in flight after {} ms; closing their connections", state.inFlight(),
                    drainTime.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
        state.clients().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        state.startDraining();
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        state.clients().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        security.close();
    }

    /** The listen addresses of the https listeners, with their real ports. */
    public List<InetSocketAddress> secureListenAddresses() {
        return listeners.stream().filter(ch -> Boolean.TRUE.equals(secureListeners.get(ch)))
                .map(ch -> (InetSocketAddress) ch.localAddress()).toList();
    }

    /** What a site serves: its http bindings and the https bindings that have a certificate. */
    static List<ServerConfig.Binding> servedBindings(ServerConfig.Site site) {
        if (site.httpsBindings().isEmpty()) {
            return site.bindings();
        }
        List<ServerConfig.Binding> all = new ArrayList<>(site.bindings());
        all.addAll(site.servedHttpsBindings());
        return all;
    }

    private static List<ServerConfig.Site> resolvePorts(ServerConfig config, Map<String, Integer> actualPorts) {
        List<ServerConfig.Site> sites = new ArrayList<>();
        for (ServerConfig.Site site : config.sites()) {
            List<ServerConfig.Binding> bindings = new ArrayList<>();
            for (ServerConfig.Binding b : site.bindings()) {
                Integer actual = actualPorts.get(listenKey(b));
                bindings.add(b.port() == 0 && actual != null ? b.withPort(actual) : b);
            }
            List<ServerConfig.Binding> httpsBindings = new ArrayList<>();
            for (ServerConfig.Binding b : site.httpsBindings()) {
                Integer actual = b.certificate() == null ? null : actualPorts.get(listenKey(b));
                httpsBindings.add(b.port() == 0 && actual != null ? b.withPort(actual) : b);
            }
            sites.add(new ServerConfig.Site(site.name(), site.id(), bindings, site.applications(), site.logFile(),
                    httpsBindings));
        }
        return sites;
    }

    /** One listener per protocol, address and port: a socket speaks TLS or it does not. */
    private static String listenKey(ServerConfig.Binding b) {
        return b.protocol() + "|" + b.address() + ":" + b.port();
    }

    private static String wildcardKey(ServerConfig.Binding b) {
        return b.protocol() + "|*:" + b.port();
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
