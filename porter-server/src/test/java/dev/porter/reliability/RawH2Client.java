package dev.porter.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * An HTTP/2 (h2c, prior knowledge) client on a blocking socket, frame by frame, for tests where the client's reading
 * is the thing under test: a Netty client channel reads its socket into memory whatever its streams do, so a "client
 * that stops reading" must be a socket nobody reads. Frames are laid out by hand (RFC 9113 section 4.1), header blocks
 * by Netty's HPACK coder. Not thread-safe: one test thread drives it.
 */
final class RawH2Client implements Closeable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int FLAG_END_STREAM = 1;
    static final int FLAG_ACK = 1;

    /** One frame as read; {@code payload} is a copy. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean endStream() {
            return (flags & FLAG_END_STREAM) != 0 && (type == DATA || type == HEADERS);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    private int nextStream = 1;

    /**
     * Connects with a receive buffer of {@code receiveBuffer} bytes, sends the preface with
     * SETTINGS_INITIAL_WINDOW_SIZE {@code initialWindow}, and opens the connection window by {@code connectionIncrement}
     * (0: left at 65,535).
     */
    RawH2Client(int port, int receiveBuffer, int initialWindow, int connectionIncrement) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(20_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        byte[] bytes = new byte[preface.readableBytes()];
        preface.readBytes(bytes);
        out.write(bytes);
        byte[] settings = new byte[6];
        settings[1] = 4; // SETTINGS_INITIAL_WINDOW_SIZE
        putInt(settings, 2, initialWindow);
        frame(SETTINGS, 0, 0, settings);
        if (connectionIncrement > 0) {
            windowUpdate(0, connectionIncrement);
        }
        out.flush();
    }

    /** Sends GET {@code path} on a new stream (HEADERS with END_STREAM); returns the stream id. */
    int get(String path) throws IOException {
        int stream = nextStream;
        nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http").authority("a").path(path);
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            frame(HEADERS, 0x4 | FLAG_END_STREAM, stream, bytes); // END_HEADERS
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            block.release();
        }
        out.flush();
        return stream;
    }

    void windowUpdate(int stream, int increment) throws IOException {
        byte[] payload = new byte[4];
        putInt(payload, 0, increment);
        frame(WINDOW_UPDATE, 0, stream, payload);
        out.flush();
    }

    /**
     * Reads the next frame; answers the server's SETTINGS and PING (as any client must) without returning them.
     */
    Frame read() throws IOException {
        while (true) {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & FLAG_ACK) == 0) {
                frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
                out.flush();
                continue;
            }
            if (type == PING && (flags & FLAG_ACK) == 0) {
                frame(PING, FLAG_ACK, 0, payload);
                out.flush();
                continue;
            }
            if (type == SETTINGS) {
                continue;
            }
            return new Frame(type, flags, stream, payload);
        }
    }

    /** Reads frames until the HEADERS of {@code stream} and returns its {@code :status}. */
    String readStatus(int stream) throws IOException {
        while (true) {
            Frame f = read();
            if (f.type() == HEADERS && f.stream() == stream) {
                try {
                    return decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(f.payload())).status().toString();
                } catch (Http2Exception e) {
                    throw new IOException(e);
                }
            }
            if (f.type() == RST_STREAM && f.stream() == stream || f.type() == GOAWAY) {
                throw new IOException("stream " + stream + " ended before its response head: frame type " + f.type());
            }
        }
    }

    Socket socket() {
        return socket;
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = new byte[9];
        head[0] = (byte) (payload.length >>> 16);
        head[1] = (byte) (payload.length >>> 8);
        head[2] = (byte) payload.length;
        head[3] = (byte) type;
        head[4] = (byte) flags;
        putInt(head, 5, stream);
        out.write(head);
        out.write(payload);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
