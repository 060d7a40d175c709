package dev.porter.hosting.outofprocess;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shutdown message on the wire (spec §1.8), against a loopback listener that plays the app: the exact request,
 * the status it reads back, and -1 for every way an answer can fail to come.
 */
class ShutdownMessageTest {

    private ServerSocket app;
    private InetSocketAddress address;

    @BeforeEach
    void listen() throws IOException {
        app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        address = new InetSocketAddress(InetAddress.getLoopbackAddress(), app.getLocalPort());
    }

    @AfterEach
    void close() throws IOException {
        app.close();
    }

    @Test
    void theAppGetsThePostWithTheEventAndTheTokenAndItsStatusComesBack() throws Exception {
        CompletableFuture<String> seen = answer("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        assertThat(ShutdownMessage.send(address, "/my app", "the-token", Duration.ofSeconds(30))).isEqualTo(202);
        assertThat(seen.get(30, TimeUnit.SECONDS)).isEqualTo("POST /my%20app/iisintegration HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + address.getPort() + "\r\n"
                + "MS-ASPNETCORE-EVENT: shutdown\r\n"
                + "MS-ASPNETCORE-TOKEN: the-token\r\n"
                + "Content-Length: 0\r\n\r\n");
    }

    @Test
    void anyOtherStatusIsReportedAsIsAndAnInterimOneIsSkipped() throws Exception {
        answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofSeconds(30))).isEqualTo(200);
    }

    @Test
    void noAnswerIsMinusOne() throws Exception {
        // closed without a word
        answer("");
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofSeconds(30))).isEqualTo(-1);
        // not HTTP
        answer("SSH-2.0-OpenSSH\r\n");
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofSeconds(30))).isEqualTo(-1);
        // nobody listens
        app.close();
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofSeconds(30))).isEqualTo(-1);
    }

    @Test
    void anAppThatNeverAnswersIsGivenUpOnAtTheLimit() {
        // the listener's backlog takes the connect; nobody reads or answers
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofMillis(300))).isEqualTo(-1);
    }

    @Test
    void aTokenThatWouldSplitTheMessageIsNeverSent() throws Exception {
        CompletableFuture<String> seen = answer("HTTP/1.1 202 Accepted\r\n\r\n");
        assertThat(ShutdownMessage.send(address, "/", "t\r\nX-Evil: 1", Duration.ofSeconds(30))).isEqualTo(-1);
        // the app saw nothing: the next message is the first it reads
        assertThat(ShutdownMessage.send(address, "/", "t", Duration.ofSeconds(30))).isEqualTo(202);
        assertThat(seen.get(30, TimeUnit.SECONDS)).contains("MS-ASPNETCORE-TOKEN: t\r\n").doesNotContain("Evil");
    }

    @Test
    void anIpv6LoopbackIsBracketedInTheHostHeader() throws Exception {
        try (ServerSocket v6 = new ServerSocket(0, 50, InetAddress.getByName("::1"))) {
            app.close();
            app = v6;
            CompletableFuture<String> seen = answer("HTTP/1.1 202 Accepted\r\n\r\n");
            InetSocketAddress at = new InetSocketAddress(v6.getInetAddress(), v6.getLocalPort());
            assertThat(ShutdownMessage.send(at, "/", "t", Duration.ofSeconds(30))).isEqualTo(202);
            assertThat(seen.get(30, TimeUnit.SECONDS)).contains("Host: [0:0:0:0:0:0:0:1]:" + v6.getLocalPort() + "\r\n");
        }
    }

    @Test
    void theShutdownPathIsPercentEncoded() {
        assertThat(ShutdownMessage.path("/")).isEqualTo("/iisintegration");
        assertThat(ShutdownMessage.path("/my app")).isEqualTo("/my%20app/iisintegration");
        assertThat(ShutdownMessage.path("/caf\u00e9%")).isEqualTo("/caf%C3%A9%25/iisintegration");
    }

    /** Accepts one connection, reads the request head, writes {@code response}, closes; completes with the head. */
    private CompletableFuture<String> answer(String response) {
        CompletableFuture<String> head = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Socket socket = app.accept()) {
                head.complete(readHead(socket.getInputStream()));
                socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            } catch (IOException | RuntimeException e) {
                head.completeExceptionally(e);
            }
        });
        return head;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            bytes.write(b);
            String text = bytes.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }
}
