package dev.porter.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Reads certificates and private keys with the JDK alone, when the configuration is read, so that a bad file stops
 * start-up with a message naming the binding: PEM certificate chains (RFC 7468), PEM private keys in PKCS#8
 * ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}), and PKCS#12 stores. The key must belong
 * to the first certificate (checked by signing and verifying).
 */
final class TlsFiles {

    /** Thrown with a message that completes "certificateFile 'x': ...". */
    static final class Problem extends Exception {
        Problem(String message) {
            super(message);
        }
    }

    private TlsFiles() {
    }

    static boolean isPkcs12(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".p12") || name.endsWith(".pfx");
    }

    static List<X509Certificate> readCertificates(Path file) throws Problem {
        byte[] bytes = read(file);
        try {
            List<X509Certificate> result = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))) {
                result.add((X509Certificate) c);
            }
            if (result.isEmpty()) {
                throw new Problem("no certificate in " + file + " (expected -----BEGIN CERTIFICATE----- blocks)");
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new Problem("not a PEM (or DER) X.509 certificate file: " + file + " (" + e.getMessage() + ")");
        }
    }

    static PrivateKey readPemKey(Path file) throws Problem {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new Problem("the key in " + file + " is encrypted; Porter needs an unencrypted PKCS#8 key "
                    + "(openssl pkcs8 -topk8 -nocrypt), or a PKCS#12 store with certificatePassword");
        }
        byte[] pkcs8;
        String pem = block(text, "PRIVATE KEY");
        if (pem != null) {
            pkcs8 = base64(file, pem);
        } else if ((pem = block(text, "RSA PRIVATE KEY")) != null) {
            pkcs8 = wrapPkcs1Rsa(base64(file, pem));
        } else {
            throw new Problem("no private key in " + file + " (expected -----BEGIN PRIVATE KEY----- (PKCS#8) or "
                    + "-----BEGIN RSA PRIVATE KEY-----; convert others with openssl pkcs8 -topk8 -nocrypt)");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new Problem("the private key in " + file + " is not an RSA, EC or EdDSA PKCS#8 key");
    }

    /** The first key entry of a PKCS#12 store. */
    static KeyAndChain readPkcs12(Path file, String password) throws Problem {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try (InputStream in = new ByteArrayInputStream(read(file))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, pw);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, pw);
                    Certificate[] chain = store.getCertificateChain(alias);
                    if (key instanceof PrivateKey pk && chain != null && chain.length > 0) {
                        List<X509Certificate> certs = new ArrayList<>();
                        for (Certificate c : chain) {
                            certs.add((X509Certificate) c);
                        }
                        return new KeyAndChain(pk, certs);
                    }
                }
            }
            throw new Problem("the PKCS#12 store " + file + " has no private key with a certificate");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new Problem("certificatePassword does not open " + file);
            }
            throw new Problem("cannot read the PKCS#12 store " + file + " (wrong certificatePassword, or not a "
                    + "PKCS#12 file): " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new Problem("cannot read the PKCS#12 store " + file + ": " + e.getMessage());
        }
    }

    record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key. */
    static void checkPair(PrivateKey key, X509Certificate certificate, Path keyFile) throws Problem {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "porter key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: not a pair
        }
        throw new Problem("the private key in " + keyFile + " does not belong to the certificate "
                + certificate.getSubjectX500Principal());
    }

    private static byte[] read(Path file) throws Problem {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Problem("the file " + file + " does not exist");
        } catch (IOException e) {
            throw new Problem("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String block(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        if (b < 0) {
            return null;
        }
        int e = text.indexOf(end, b);
        return e < 0 ? null : text.substring(b + begin.length(), e);
    }

    private static byte[] base64(Path file, String body) throws Problem {
        try {
            return Base64.getMimeDecoder().decode(body.strip());
        } catch (IllegalArgumentException e) {
            throw new Problem("the PEM block in " + file + " is not valid Base64");
        }
    }

    /**
     * PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208): SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption,
     * NULL }, OCTET STRING { pkcs1 } }.
     */
    private static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
                0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        byte[] content = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, content, 0, version.length);
        System.arraycopy(algorithm, 0, content, version.length, algorithm.length);
        System.arraycopy(octets, 0, content, version.length + algorithm.length, octets.length);
        return der(0x30, content);
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] length;
        if (n < 0x80) {
            length = new byte[] {(byte) n};
        } else if (n < 0x100) {
            length = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, n);
        return out;
    }
}
