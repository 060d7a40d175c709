package dev.porter.samples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.ChildApp;
import dev.porter.testing.OneShotHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The sample as the module runs it out-of-process: a child JVM, requests straight to its port. */
class HelloAppEndToEndIT {
    @Test
    void withoutTheTokenTheBackendAnswers400AndWithIt200() throws Exception {
        try (ChildApp app = ChildApp.startClass(HelloApp.class.getName(), "/")) {
            OneShotHttp.Response rejected = OneShotHttp.send(app.port, "GET", "/hello");
            assertThat(rejected.status).isEqualTo(400);
            assertThat(rejected.body).isEmpty();
            assertThat(OneShotHttp.send(app.port, "GET", "/hello", "MS-ASPNETCORE-TOKEN: wrong").status).isEqualTo(400);

            OneShotHttp.Response hello = OneShotHttp.send(app.port, "GET", "/hello",
                    "MS-ASPNETCORE-TOKEN: " + app.token);
            assertThat(hello.status).isEqualTo(200);
            assertThat(hello.body).isEqualTo("hello");
            // one line per rejection, ANCM's text without the expected token (whoever reads the log must not learn it)
            String line = " SEVERE dev.porter.integration: 'MS-ASPNETCORE-TOKEN' does not match the expected pairing"
                    + " token, request rejected.\n";
            assertThat(app.log().split(java.util.regex.Pattern.quote(line), -1)).hasSize(3);
            assertThat(app.log()).doesNotContain(app.token);
        }
    }

    @Test
    void theAppSeesItsPathBaseAndTheForwardedClient() throws Exception {
        try (ChildApp app = ChildApp.startClass(HelloApp.class.getName(), "/app1")) {
            OneShotHttp.Response root = OneShotHttp.send(app.port, "GET", "/app1/", "MS-ASPNETCORE-TOKEN: " + app.token,
                    "X-Forwarded-For: 203.0.113.9:41000", "X-Forwarded-Proto: https");
            assertThat(root.status).isEqualTo(200);
            assertThat(root.body).startsWith("Hello from Porter sample\n").contains("path: /\n")
                    .contains("path base: /app1\n").contains("client: 203.0.113.9:41000\n")
                    .contains("scheme: https\n");
            assertThat(OneShotHttp.send(app.port, "GET", "/app1/hello", "MS-ASPNETCORE-TOKEN: " + app.token).body)
                    .isEqualTo("hello");
        }
    }

    @Test
    void theShutdownMessageGets202AndTheProcessExits() throws Exception {
        try (ChildApp app = ChildApp.startClass(HelloApp.class.getName(), "/app1")) {
            OneShotHttp.Response response = OneShotHttp.send(app.port, "POST", "/app1/iisintegration",
                    "MS-ASPNETCORE-TOKEN: " + app.token, "MS-ASPNETCORE-EVENT: shutdown ", "Content-Length: 0");
            assertThat(response.status).isEqualTo(202);
            assertThat(app.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(app.process.exitValue()).isZero();
        }
    }
}
