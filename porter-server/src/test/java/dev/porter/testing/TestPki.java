package dev.porter.testing;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.porter.config.ServerConfig;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Certificates made at run time for TLS tests (nothing private is committed): a CA, server certificates issued by it
 * for {@code localhost}/{@code 127.0.0.1} (or a given host name), and client certificates issued by a second CA that
 * the server trusts for client authentication; plus client {@link SSLContext}s and bcrypt htpasswd lines.
 */
public final class TestPki {

    public final X509Bundle serverCa;
    public final X509Bundle clientCa;

    public TestPki() {
        try {
            Instant now = Instant.now();
            serverCa = new CertificateBuilder().subject("CN=Porter Test Server CA").setIsCertificateAuthority(true)
                    .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256()
                    .buildSelfSigned();
            clientCa = new CertificateBuilder().subject("CN=Porter Test Client CA").setIsCertificateAuthority(true)
                    .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256()
                    .buildSelfSigned();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for {@code host} (and localhost, 127.0.0.1), issued by {@link #serverCa}. */
    public X509Bundle server(String host) {
        try {
            Instant now = Instant.now();
            return new CertificateBuilder().subject("CN=" + host).addSanDnsName(host).addSanDnsName("localhost")
                    .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth()
                    .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256()
                    .buildIssuedBy(serverCa);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate with this common name, issued by {@link #clientCa}. */
    public X509Bundle client(String commonName) {
        try {
            Instant now = Instant.now();
            return new CertificateBuilder().subject("CN=" + commonName).addExtendedKeyUsageClientAuth()
                    .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256()
                    .buildIssuedBy(clientCa);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bundle as the config's certificate record (as the parser would load it from PEM files). */
    public static ServerConfig.TlsCertificate certificate(X509Bundle bundle) {
        return new ServerConfig.TlsCertificate(Path.of("test-" + bundle.getCertificate().getSerialNumber() + ".pem"),
                "test binding", bundle.getCertificatePathList(), bundle.getKeyPair().getPrivate());
    }

    /** A client context trusting {@link #serverCa}, presenting {@code clientCertificate} when not null. */
    public SSLContext clientContext(X509Bundle clientCertificate) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManagerFactory keys = null;
            if (clientCertificate != null) {
                KeyStore store = clientCertificate.toKeyStore("changeit".toCharArray());
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, "changeit".toCharArray());
            }
            context.init(keys == null ? null : keys.getKeyManagers(),
                    serverCa.toTrustManagerFactory().getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context that accepts any server certificate (for tests that look at which one was sent). */
    public static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An htpasswd line for this user, bcrypt {@code $2y$} at cost 5 (htpasswd -B's default). */
    public static String htpasswdLine(String user, String password) {
        return user + ":" + new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hashToChar(5, password.toCharArray()));
    }

    /** A site with an http and an https binding on 127.0.0.1, OS-chosen ports, and these applications. */
    public static ServerConfig.Site site(List<ServerConfig.Application> apps, ServerConfig.TlsCertificate certificate) {
        return new ServerConfig.Site("Default Web Site", 1,
                List.of(new ServerConfig.Binding("http", "127.0.0.1", 0, "")), apps,
                new ServerConfig.LogFile(false, apps.getFirst().physicalPath().resolve("logs")),
                List.of(new ServerConfig.Binding("https", "127.0.0.1", 0, "", certificate)));
    }
}
