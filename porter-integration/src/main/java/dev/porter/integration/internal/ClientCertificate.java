package dev.porter.integration.internal;

import java.io.ByteArrayInputStream;
import java.lang.System.Logger.Level;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * The client certificate the module forwards in {@code MS-ASPNETCORE-CLIENTCERT}: standard Base64 (with padding, no
 * line breaks) of the DER encoding (spec/ancm-contract.md §1.4). Decoded lazily and once, as ASP.NET's
 * {@code ITlsConnectionFeature} does (§2.2 step 5), so requests that never look at it never pay for it. A value that is
 * not a certificate logs the warning {@value #DECODE_FAILURE} once and yields none.
 *
 * <p>Not API. Safe for use from several threads: decoding may at worst happen twice, yielding equal results.
 */
public final class ClientCertificate {
    public static final String HEADER = "MS-ASPNETCORE-CLIENTCERT";
    static final String DECODE_FAILURE = "Failed to read the client certificate.";

    private static final System.Logger LOG = System.getLogger("dev.porter.integration");
    private static final Object NONE = new Object();

    private final String encoded;
    private volatile Object decoded;

    public ClientCertificate(String encoded) {
        this.encoded = encoded;
    }

    /** The certificate, or null if the header did not hold one. */
    public X509Certificate get() {
        Object result = decoded;
        if (result == null) {
            result = decode(encoded);
            decoded = result;
        }
        return result == NONE ? null : (X509Certificate) result;
    }

    private static Object decode(String encoded) {
        try {
            byte[] der = Base64.getDecoder().decode(encoded.trim());
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
            LOG.log(Level.WARNING, DECODE_FAILURE, e);
            return NONE;
        }
    }
}
