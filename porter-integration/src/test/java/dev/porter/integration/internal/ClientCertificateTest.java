package dev.porter.integration.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.integration.LogCapture;
import dev.porter.integration.TestCertificates;
import java.util.Base64;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientCertificateTest {
    @Test
    void decodesBase64Der() throws Exception {
        ClientCertificate certificate = new ClientCertificate(TestCertificates.headerValue());
        assertThat(certificate.get()).isEqualTo(TestCertificates.clientCertificate());
        assertThat(certificate.get().getSubjectX500Principal().getName()).isEqualTo("CN=porter-test-client");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64 at all!", "AAAA", "aGVsbG8gd29ybGQ="})
    void aBadValueLogsOneWarningAndYieldsNone(String value) {
        try (LogCapture log = new LogCapture()) {
            ClientCertificate certificate = new ClientCertificate(value);
            assertThat(certificate.get()).isNull();
            assertThat(certificate.get()).isNull();
            assertThat(log.records()).hasSize(1);
            assertThat(log.records().get(0).getLevel()).isEqualTo(Level.WARNING);
            assertThat(log.records().get(0).getMessage()).isEqualTo("Failed to read the client certificate.");
        }
    }

    @Test
    void aTruncatedCertificateYieldsNone() throws Exception {
        byte[] der = TestCertificates.clientCertificate().getEncoded();
        byte[] truncated = java.util.Arrays.copyOf(der, der.length / 2);
        try (LogCapture log = new LogCapture()) {
            assertThat(new ClientCertificate(Base64.getEncoder().encodeToString(truncated)).get()).isNull();
        }
    }
}
