package dev.porter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * porter.xml's TLS and security parts: https bindings with PEM or PKCS#12 certificates (loaded and checked when the
 * file is read, errors naming file, line and attribute), {@code access sslFlags} with the client CAs, the
 * authentication sections with an htpasswd file, and what they mean for the app's environment
 * ({@code ASPNETCORE_ANCM_HTTPS_PORT}, {@code ASPNETCORE_IIS_HTTPAUTH}). Certificates are made by the test.
 */
class SecurityConfigTest {

    /** A published bcrypt vector (jBCrypt/OpenBSD): password "abc", as htpasswd -B writes it ($2y$). */
    static final String ABC_HASH = "$2y$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i";

    @TempDir
    Path dir;

    private final ServerConfigParser parser = new ServerConfigParser(new EnvironmentExpander(Map.of()));
    // Made once for the class: an RSA key takes long to generate on a busy machine, and no test changes them.
    private static X509Bundle ca;
    private static X509Bundle alpha;
    private static X509Bundle beta;

    @BeforeAll
    static void certificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=Test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        alpha = new CertificateBuilder().subject("CN=alpha.test").addSanDnsName("alpha.test").ecp256()
                .buildIssuedBy(ca);
        beta = new CertificateBuilder().subject("CN=beta.test").addSanDnsName("beta.test").rsa2048()
                .buildIssuedBy(ca);
    }

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(dir.resolve("wwwroot"));
        Files.writeString(dir.resolve("alpha.pem"), alpha.getCertificatePathPEM());
        Files.writeString(dir.resolve("alpha.key"), alpha.getPrivateKeyPEM());
        Files.writeString(dir.resolve("ca.pem"), ca.getCertificatePEM());
        KeyStore store = beta.toKeyStore("PKCS12", "s3cret".toCharArray());
        try (OutputStream out = Files.newOutputStream(dir.resolve("beta.p12"))) {
            store.store(out, "s3cret".toCharArray());
        }
        Files.writeString(dir.resolve("users.htpasswd"), "# made by htpasswd -B\nalice:" + ABC_HASH + "\n\n");
    }

    private Path write(String bindings, String webServer) throws Exception {
        Path file = dir.resolve("porter.xml");
        Files.writeString(file, """
                <configuration>
                  <system.applicationHost>
                    <sites>
                      <site name="Default Web Site" id="1">
                        <bindings>
                %s
                        </bindings>
                        <application path="/" physicalPath="wwwroot" />
                      </site>
                    </sites>
                  </system.applicationHost>
                  <system.webServer>
                %s
                  </system.webServer>
                </configuration>
                """.formatted(bindings, webServer));
        return file;
    }

    @Test
    void readsPemAndPkcs12BindingsAccessAndAuthentication() throws Exception {
        Path file = write("""
                <binding protocol="http" bindingInformation="*:8080:" />
                <binding protocol="https" bindingInformation="*:8443:alpha.test" certificateFile="alpha.pem" keyFile="alpha.key" />
                <binding protocol="https" bindingInformation="*:8443:beta.test" certificateFile="beta.p12" certificatePassword="s3cret" sslFlags="1" />
                """, """
                <security>
                  <access sslFlags="Ssl, SslNegotiateCert, SslRequireCert" clientCertificateAuthorities="ca.pem" />
                  <authentication>
                    <anonymousAuthentication enabled="false" />
                    <basicAuthentication enabled="true" realm="Intranet" userFile="users.htpasswd" />
                    <windowsAuthentication enabled="false" />
                  </authentication>
                </security>
                """);
        ServerConfig config = parser.parse(file);
        ServerConfig.Site site = config.sites().getFirst();
        assertThat(site.httpsBindings()).hasSize(2);
        ServerConfig.TlsCertificate a = site.httpsBindings().get(0).certificate();
        assertThat(a.chain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=alpha.test");
        assertThat(a.key().getAlgorithm()).isEqualTo("EC");
        assertThat(a.origin()).isEqualTo("porter.xml line 7 <binding certificateFile>");
        ServerConfig.TlsCertificate b = site.httpsBindings().get(1).certificate();
        assertThat(b.chain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=beta.test");
        assertThat(b.key().getAlgorithm()).isEqualTo("RSA");
        assertThat(site.ancmHttpsPort()).isEqualTo("8443");

        ServerConfig.Access access = config.security().access();
        assertThat(access.requireSsl()).isTrue();
        assertThat(access.negotiateCert()).isTrue();
        assertThat(access.requireCert()).isTrue();
        assertThat(access.clientCertificateAuthorities()).hasSize(1);
        ServerConfig.Authentication authentication = config.security().authentication();
        assertThat(authentication.anonymous()).isFalse();
        assertThat(authentication.basic().realm()).isEqualTo("Intranet");
        assertThat(authentication.basic().users()).containsExactly(Map.entry("alice", ABC_HASH));
        assertThat(config.security().httpAuthVariable()).isEqualTo("basic;");
    }

    @Test
    void defaultsAreAnonymousWithoutTls() throws Exception {
        ServerConfig config = parser.parse(write("<binding protocol=\"http\" bindingInformation=\"*:8080:\" />",
                ""));
        assertThat(config.security()).isEqualTo(ServerConfig.Security.DEFAULTS);
        assertThat(config.security().httpAuthVariable()).isEqualTo("anonymous;");
        assertThat(config.sites().getFirst().ancmHttpsPort()).isEmpty();
        assertThat(config.webLimits().http2Cleartext()).isFalse();
        assertThat(new ServerConfig.Security(ServerConfig.Access.NONE, new ServerConfig.Authentication(false,
                ServerConfig.BasicAuthentication.DISABLED)).httpAuthVariable()).isEqualTo("none");
    }

    @Test
    void httpsPortIsEmptyWhenTheSitesHttpsPortsDiffer() throws Exception {
        ServerConfig config = parser.parse(write("""
                <binding protocol="https" bindingInformation="*:8443:alpha.test" certificateFile="alpha.pem" keyFile="alpha.key" />
                <binding protocol="https" bindingInformation="*:9443:beta.test" certificateFile="beta.p12" certificatePassword="s3cret" />
                """, ""));
        assertThat(config.sites().getFirst().ancmHttpsPort()).isEmpty();
    }

    @Test
    void readsWebLimitsHttp2Attributes() throws Exception {
        Path file = dir.resolve("porter.xml");
        Files.writeString(file, """
                <configuration>
                  <system.applicationHost>
                    <sites><site name="s" id="1"><bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>
                      <application path="/" physicalPath="wwwroot" /></site></sites>
                    <webLimits http2Cleartext="true" http2MaxConcurrentStreams="250" />
                  </system.applicationHost>
                </configuration>
                """);
        ServerConfig.WebLimits limits = parser.parse(file).webLimits();
        assertThat(limits.http2Cleartext()).isTrue();
        assertThat(limits.http2MaxConcurrentStreams()).isEqualTo(250);
    }

    @Test
    void badCertificatesAreNamedWithFileLineAndAttribute() throws Exception {
        Path missing = write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" certificateFile=\"nope.pem\""
                + " keyFile=\"alpha.key\" />", "");
        assertThatThrownBy(() -> parser.parse(missing)).isInstanceOf(ConfigException.class).hasMessage(missing
                + ": line 6: <binding> attribute 'certificateFile': the file " + dir.resolve("nope.pem")
                + " does not exist.");

        Path wrongPassword = write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" "
                + "certificateFile=\"beta.p12\" certificatePassword=\"guess\" />", "");
        assertThatThrownBy(() -> parser.parse(wrongPassword)).hasMessageStartingWith(wrongPassword
                + ": line 6: <binding> attribute 'certificateFile': ").hasMessageContaining("certificatePassword");

        Path mismatch = write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" "
                + "certificateFile=\"alpha.pem\" keyFile=\"other.key\" />", "");
        Files.writeString(dir.resolve("other.key"), beta.getPrivateKeyPEM());
        assertThatThrownBy(() -> parser.parse(mismatch)).hasMessage(mismatch + ": line 6: <binding> attribute "
                + "'keyFile': the private key in " + dir.resolve("other.key") + " does not belong to the certificate "
                + "CN=alpha.test.");

        Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        Path garbage = write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" "
                + "certificateFile=\"garbage.pem\" keyFile=\"alpha.key\" />", "");
        assertThatThrownBy(() -> parser.parse(garbage)).hasMessageStartingWith(garbage + ": line 6: <binding> "
                + "attribute 'certificateFile': ");

        Path noKey = write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" certificateFile=\"alpha.pem\" />",
                "");
        assertThatThrownBy(() -> parser.parse(noKey)).hasMessageContaining("line 6: <binding> attribute "
                + "'certificateFile': no private key in").hasMessageContaining("keyFile=\"key.pem\"");

        Path onHttp = write("<binding protocol=\"http\" bindingInformation=\"*:8080:\" certificateFile=\"alpha.pem\" />",
                "");
        assertThatThrownBy(() -> parser.parse(onHttp)).hasMessage(onHttp + ": line 6: <binding> attribute "
                + "'certificateFile': only an https binding has a certificate.");

        Path samePort = write("""
                <binding protocol="http" bindingInformation="*:8443:" />
                <binding protocol="https" bindingInformation="*:8443:alpha.test" certificateFile="alpha.pem" keyFile="alpha.key" />
                """, "");
        assertThatThrownBy(() -> parser.parse(samePort)).hasMessageContaining("line 7: <binding> attribute "
                + "'bindingInformation' has invalid value '*:8443:alpha.test'; allowed: a port that is not also used "
                + "by an http binding (line 6).");
    }

    @Test
    void pkcs1RsaKeysAreAccepted() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to write a PKCS#1 key");
        Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", "k8.pem", "-out", "c.pem", "-subj", "/CN=pkcs1.test", "-days", "1")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        Process convert = new ProcessBuilder("/usr/bin/openssl", "rsa", "-in", "k8.pem", "-out", "k1.pem",
                "-traditional").directory(dir.toFile()).redirectErrorStream(true).start();
        convert.getInputStream().readAllBytes();
        assertThat(convert.waitFor()).isZero();
        assertThat(Files.readString(dir.resolve("k1.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        ServerConfig config = parser.parse(write("<binding protocol=\"https\" bindingInformation=\"*:8443:\" "
                + "certificateFile=\"c.pem\" keyFile=\"k1.pem\" />", ""));
        assertThat(config.sites().getFirst().httpsBindings().getFirst().certificate().key().getAlgorithm())
                .isEqualTo("RSA");
    }

    @Test
    void badSecuritySectionsAreNamed() throws Exception {
        String http = "<binding protocol=\"http\" bindingInformation=\"*:8080:\" />";
        Path flags = write(http, "<security><access sslFlags=\"Ssl, SslSometimes\" /></security>");
        assertThatThrownBy(() -> parser.parse(flags)).hasMessage(flags + ": line 13: <access> attribute 'sslFlags' "
                + "has invalid value 'Ssl, SslSometimes'; allowed: None, or a comma-separated list of Ssl, "
                + "SslNegotiateCert, SslRequireCert, Ssl128 (as IIS writes it, e.g. \"Ssl, SslNegotiateCert, "
                + "SslRequireCert\").");

        Path windows = write(http, "<security><authentication><windowsAuthentication enabled=\"true\" />"
                + "</authentication></security>");
        assertThatThrownBy(() -> parser.parse(windows)).hasMessageStartingWith(windows + ": line 13: "
                + "<windowsAuthentication> attribute 'enabled': <windowsAuthentication> is not supported by Porter");

        Path noUsers = write(http, "<security><authentication><basicAuthentication enabled=\"true\" />"
                + "</authentication></security>");
        assertThatThrownBy(() -> parser.parse(noUsers)).hasMessageStartingWith(noUsers + ": line 13: "
                + "<basicAuthentication> attribute 'userFile': basicAuthentication is enabled but names no user file");

        Files.writeString(dir.resolve("md5.htpasswd"), "alice:" + ABC_HASH + "\nbob:$apr1$abc$defghijklmnopqrstuvwx\n");
        Path md5 = write(http, "<security><authentication><basicAuthentication enabled=\"true\" "
                + "userFile=\"md5.htpasswd\" /></authentication></security>");
        assertThatThrownBy(() -> parser.parse(md5)).hasMessage(dir.resolve("md5.htpasswd") + ": line 2: user 'bob' "
                + "has a MD5 ($apr1$) password hash; only bcrypt entries are accepted ($2y$, $2a$ or $2b$, cost "
                + "4-31): create them with htpasswd -B.");

        Path missingUsers = write(http, "<security><authentication><basicAuthentication enabled=\"true\" "
                + "userFile=\"none.htpasswd\" /></authentication></security>");
        assertThatThrownBy(() -> parser.parse(missingUsers)).hasMessage(dir.resolve("none.htpasswd") + ": the user "
                + "file does not exist (porter.xml line 13 <basicAuthentication userFile>).");

        Path missingCa = write(http, "<security><access sslFlags=\"SslNegotiateCert\" "
                + "clientCertificateAuthorities=\"cas.pem\" /></security>");
        assertThatThrownBy(() -> parser.parse(missingCa)).hasMessage(missingCa + ": line 13: <access> attribute "
                + "'clientCertificateAuthorities': the file " + dir.resolve("cas.pem") + " does not exist.");
    }
}
