package dev.porter.hosting.inprocess.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Callable;

/** Every socket call {@code AppBytecode} redirects, and a few look-alikes it must leave alone (AppBytecodeTest). */
public class SocketCalls extends ServerSocket implements Callable<String> {

    public SocketCalls() throws IOException {
        super(0, 50, InetAddress.getLoopbackAddress()); // a super(...) call: left alone
    }

    @Override
    public String call() throws Exception {
        close();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (SocketChannel unconnected = SocketChannel.open(StandardProtocolFamily.INET); // left alone
                ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(loopback, 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            try (SocketChannel viaOpen = SocketChannel.open(server.getLocalAddress());
                    NetworkChannel network = ServerSocketChannel.open().bind(null);
                    Socket viaConstructor = new Socket(loopback, port);
                    Socket unbound = new Socket(); // left alone until connect
                    ServerSocket plain = new ServerSocket(0, 50, loopback);
                    AsynchronousServerSocketChannel async = AsynchronousServerSocketChannel.open().bind(null)) {
                unbound.connect(server.getLocalAddress(), 10_000);
                return viaOpen.isConnected() + " " + viaConstructor.isConnected() + " " + unbound.isConnected() + " "
                        + plain.isBound() + " " + async.isOpen() + " " + network.isOpen() + " " + unconnected.isOpen();
            }
        }
    }
}
