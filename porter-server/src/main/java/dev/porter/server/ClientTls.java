package dev.porter.server;

import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The TLS side of one client connection, after its handshake: the session and the client certificate, shared by the
 * connection's exchanges (every stream of an HTTP/2 connection). The certificate and its Base64 form are computed once,
 * on first use. Confined to the connection's event loop.
 */
public final class ClientTls {

    private final SslHandler sslHandler;
    private boolean certificateRead;
    private Optional<X509Certificate> clientCertificate = Optional.empty();
    private boolean base64Computed;
    private Optional<String> clientCertificateBase64 = Optional.empty();

    ClientTls(SslHandler sslHandler) {
        this.sslHandler = sslHandler;
    }

    public SSLSession session() {
        return sslHandler.engine().getSession();
    }

    /** The negotiated application protocol ({@code h2}, {@code http/1.1}), empty when ALPN chose none. */
    public Optional<String> applicationProtocol() {
        return Optional.ofNullable(sslHandler.applicationProtocol());
    }

    /**
     * The client's certificate (the first of the chain it sent, verified against the trusted CAs), empty when it sent
     * none. Held once read: later calls allocate nothing.
     */
    public Optional<X509Certificate> clientCertificate() {
        if (!certificateRead) {
            certificateRead = true;
            try {
                Certificate[] chain = session().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                    clientCertificate = Optional.of(x509);
                }
            } catch (SSLPeerUnverifiedException e) {
                // no certificate: the handshake did not ask, or the client sent none
            }
        }
        return clientCertificate;
    }

    /**
     * The client certificate as ANCM forwards it in {@code MS-ASPNETCORE-CLIENTCERT}: Base64 (standard alphabet, with
     * padding, no line breaks) of the DER encoding; empty when there is none (or it cannot be encoded). Computed once.
     */
    public Optional<String> clientCertificateBase64() {
        if (!base64Computed) {
            base64Computed = true;
            Optional<X509Certificate> certificate = clientCertificate();
            if (certificate.isPresent()) {
                try {
                    clientCertificateBase64 =
                            Optional.of(Base64.getEncoder().encodeToString(certificate.get().getEncoded()));
                } catch (CertificateEncodingException e) {
                    // not DER-encodable: forwarded as no certificate
                }
            }
        }
        return clientCertificateBase64;
    }
}
