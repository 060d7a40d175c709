package dev.porter.hosting.outofprocess.forwarding;

import com.sun.net.httpserver.HttpServer;
import dev.porter.integration.PorterIntegration;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

/**
 * A child-process app for {@link ForwarderTlsTest}: the JDK's HttpServer with porter-integration (listening on
 * 127.0.0.1:$ASPNETCORE_PORT, checking the pairing token), answering with what the integration made of the forwarded
 * request: scheme, client address, client certificate, user.
 */
public final class IntegratedDescribeApp {

    private IntegratedDescribeApp() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = PorterIntegration.createServer(8080);
        server.createContext("/", exchange -> {
            String cert = PorterIntegration.clientCertificate(exchange).map(X509Certificate::getSubjectX500Principal)
                    .map(Object::toString).orElse("none");
            String text = "scheme=" + PorterIntegration.scheme(exchange) + " client="
                    + exchange.getRemoteAddress().getAddress().getHostAddress() + ":"
                    + exchange.getRemoteAddress().getPort() + " cert=" + cert + " user="
                    + (exchange.getPrincipal() == null ? "none" : exchange.getPrincipal().getUsername() + "/"
                            + exchange.getPrincipal().getRealm());
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }
}
