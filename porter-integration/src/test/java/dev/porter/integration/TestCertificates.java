package dev.porter.integration;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** A real self-signed certificate, made once by the JDK's keytool (no test dependency needed). */
public final class TestCertificates {
    private static X509Certificate certificate;

    private TestCertificates() {
    }

    public static synchronized X509Certificate clientCertificate() throws Exception {
        if (certificate == null) {
            Path dir = Files.createTempDirectory("porter-cert");
            Path store = dir.resolve("client.p12");
            String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "client", "-keyalg", "EC",
                    "-dname", "CN=porter-test-client", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                    .redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool failed");
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, "changeit".toCharArray());
            }
            certificate = (X509Certificate) keyStore.getCertificate("client");
            Files.delete(store);
            Files.delete(dir);
        }
        return certificate;
    }

    /** The header value ANCM sends: standard Base64 of the DER, no line breaks. */
    public static String headerValue() throws Exception {
        return Base64.getEncoder().encodeToString(clientCertificate().getEncoded());
    }
}
