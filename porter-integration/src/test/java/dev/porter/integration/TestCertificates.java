package dev.porter.integration;

import java.io.InputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * A real self-signed EC certificate ({@code CN=porter-test-client}, valid for 100 years), made once with the JDK's
 * keytool and stored beside this class: loading it costs nothing, where running keytool per test JVM cost a child
 * process (seconds on a busy machine) in the unit tests.
 */
public final class TestCertificates {
    private static X509Certificate certificate;

    private TestCertificates() {
    }

    public static synchronized X509Certificate clientCertificate() throws Exception {
        if (certificate == null) {
            try (InputStream in = TestCertificates.class.getResourceAsStream("client-certificate.pem")) {
                if (in == null) {
                    throw new IllegalStateException("client-certificate.pem is missing from the test resources of "
                            + TestCertificates.class.getPackageName());
                }
                certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
        }
        return certificate;
    }

    /** The header value ANCM sends: standard Base64 of the DER, no line breaks. */
    public static String headerValue() throws Exception {
        return Base64.getEncoder().encodeToString(clientCertificate().getEncoded());
    }
}
