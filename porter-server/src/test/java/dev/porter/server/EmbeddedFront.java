package dev.porter.server;

import dev.porter.config.RequestLimits;
import dev.porter.config.ServerConfig;
import dev.porter.server.admission.FrontSecurity;
import dev.porter.server.admission.ServerState;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The real front pipeline ({@link FrontPipeline}: header timeout, {@link StrictServerCodec},
 * {@link ExchangeDispatcher}) over an {@link EmbeddedChannel}, for tests in other packages that need a real
 * {@link Exchange} without sockets (the fuzz tests of the forwarder's header rewriting). Single-threaded: the handler
 * runs on the calling thread.
 */
public final class EmbeddedFront {

    /** The address the embedded connection was accepted on. */
    public static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    private EmbeddedFront() {
    }

    private static final class TcpChannel extends EmbeddedChannel {
        private final SocketAddress remote;

        TcpChannel(SocketAddress remote) {
            this.remote = remote; // before super(): registering may ask for the address
            super();
        }

        @Override
        protected SocketAddress localAddress0() {
            return LOCAL;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }

    /**
     * Feeds {@code request} to a new connection from {@code remote}; {@code handler} gets each exchange (of the
     * application at {@code /}) and must answer it. Everything written back is released; the connection is closed.
     * Whatever {@code handler} threw is rethrown once the connection is closed.
     */
    public static void serve(byte[] request, InetSocketAddress remote, Consumer<Exchange> handler) {
        ServerConfig.Site site = new ServerConfig.Site("s", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 8080, "")),
                List.of(new ServerConfig.Application("/", Path.of("/nonexistent"))),
                new ServerConfig.LogFile(false, Path.of("/nonexistent")));
        ServerConfig config = new ServerConfig(Path.of("porter.xml"), List.of(site),
                new RequestLimits(1_000_000, 4096, 2048),
                new ServerConfig.WebLimits(Duration.ofMinutes(2), Duration.ofSeconds(30), 16384));
        // What the handler throws (a failed assertion) is kept and rethrown here: the dispatcher turns an exception
        // of a handler into a 500 or a closed connection, which would hide it.
        Throwable[] failure = {null};
        Router router = new Router(config.sites(), (s, a) -> exchange -> {
            try {
                handler.accept(exchange);
            } catch (RuntimeException | Error e) {
                if (failure[0] == null) {
                    failure[0] = e;
                }
                throw e;
            }
        });
        TcpChannel ch = new TcpChannel(remote);
        new FrontPipeline(config, router, AccessLog.NONE, new ServerState(), FrontSecurity.OPEN).init(ch);
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(request)); // rethrows what escaped the pipeline
            ch.runPendingTasks();
            Object msg;
            while ((msg = ch.readOutbound()) != null) {
                ReferenceCountUtil.release(msg);
            }
        } finally {
            ch.close();
            ch.runPendingTasks();
            ch.finishAndReleaseAll();
        }
        if (failure[0] instanceof Error e) {
            throw e;
        } else if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
    }
}
