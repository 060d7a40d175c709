package dev.porter.server;

import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
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
    private X509Certificate clientCertificate;
    private String clientCertificateBase64;

    ClientTls(SslHandler sslHandler) {
        this.sslHandler = sslHandler;
    }

    public SSLSession session() {
        return sslHandler.engine().getSession();
    }

    /** The negotiated application protocol ({@code h2}, {@code http/1.1}), or null. */
    public String applicationProtocol() {
        return sslHandler.applicationProtocol();
    }

    /** The client's certificate (the first of the chain it sent, verified against the trusted CAs), or null. */
    public X509Certificate clientCertificate() {
        if (!certificateRead) {
            certificateRead = true;
            try {
                Certificate[] chain = session().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                    clientCertificate = x509;
                }
            } catch (SSLPeerUnverifiedException e) {
                // no certificate: the handshake did not ask, or the client sent none
            }
        }
        return clientCertificate;
    }

    /**
     * The client certificate as ANCM forwards it in {@code MS-ASPNETCORE-CLIENTCERT}: Base64 (standard alphabet, with
     * padding, no line breaks) of the DER encoding; null when there is none.
     */
    public String clientCertificateBase64() {
        if (clientCertificateBase64 == null) {
            X509Certificate certificate = clientCertificate();
            if (certificate == null) {
                return null;
            }
            try {
                clientCertificateBase64 = Base64.getEncoder().encodeToString(certificate.getEncoded());
            } catch (CertificateEncodingException e) {
                return null;
            }
        }
        return clientCertificateBase64;
    }
}
