package dev.porter.server.tls;

import dev.porter.config.ServerConfig;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Server TLS contexts, one per https binding: TLS 1.3 and 1.2 only, the HTTP/2-approved cipher suites (RFC 9113
 * appendix A excluded), ALPN offering {@code h2} then {@code http/1.1}; a client certificate asked for (optional at
 * the TLS level, so that a missing one gets IIS's 403.7 rather than a handshake failure) when {@code access sslFlags}
 * negotiates one, verified against {@code clientCertificateAuthorities} (the JDK's CAs if none are given). OpenSSL
 * (BoringSSL via netty-tcnative) when it loads, the JDK provider otherwise.
 */
public final class TlsContexts {

    private TlsContexts() {
    }

    public static SslProvider provider() {
        return OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL
                : SslProvider.JDK;
    }

    public static SslContext build(ServerConfig.TlsCertificate certificate, ServerConfig.Access access)
            throws SSLException {
        SslContextBuilder builder = SslContextBuilder
                .forServer(certificate.key(), certificate.chain().toArray(X509Certificate[]::new))
                .sslProvider(provider())
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        if (access.wantsClientCertificate()) {
            builder.clientAuth(ClientAuth.OPTIONAL);
            List<X509Certificate> authorities = access.clientCertificateAuthorities();
            if (!authorities.isEmpty()) {
                builder.trustManager(authorities.toArray(X509Certificate[]::new));
            }
        }
        return builder.build();
    }

    /**
     * The SNI mapping of one listener: each binding's host name to its context (names compare case-insensitively); a
     * client that sends no (or an unknown) name gets the binding without a host name, else the first.
     */
    public static Mapping<String, SslContext> forListener(List<ServerConfig.Binding> bindings,
            ServerConfig.Access access) throws SSLException {
        SslContext fallback = null;
        SslContext first = null;
        java.util.Map<String, SslContext> byHost = new java.util.LinkedHashMap<>();
        for (ServerConfig.Binding b : bindings) {
            SslContext context = build(b.certificate(), access);
            if (first == null) {
                first = context;
            }
            if (b.anyHost()) {
                if (fallback == null) {
                    fallback = context;
                }
            } else {
                byHost.putIfAbsent(b.hostName().toLowerCase(java.util.Locale.ROOT), context);
            }
        }
        DomainWildcardMappingBuilder<SslContext> mapping =
                new DomainWildcardMappingBuilder<>(fallback != null ? fallback : first);
        byHost.forEach(mapping::add);
        return mapping.build();
    }
}
