package dev.porter.samples.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.ChildApp;
import dev.porter.testing.OneShotHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Jetty sample as the module runs it out-of-process: a child JVM, requests straight to its port. */
class ServletAppEndToEndIT {
    @Test
    void withoutTheTokenTheBackendAnswers400AndWithIt200() throws Exception {
        try (ChildApp app = ChildApp.startClass(ServletApp.class.getName(), "/")) {
            OneShotHttp.Response rejected = OneShotHttp.send(app.port, "GET", "/hello");
            assertThat(rejected.status).isEqualTo(400);
            assertThat(rejected.body).isEmpty();
            OneShotHttp.Response hello = OneShotHttp.send(app.port, "GET", "/hello",
                    "MS-ASPNETCORE-TOKEN: " + app.token);
            assertThat(hello.status).isEqualTo(200);
            assertThat(hello.body).isEqualTo("hello");
        }
    }

    @Test
    void theServletSeesPathBaseClientSchemeAndUser() throws Exception {
        try (ChildApp app = ChildApp.startClass(ServletApp.class.getName(), "/app1")) {
            OneShotHttp.Response info = OneShotHttp.send(app.port, "GET", "/app1/x",
                    "MS-ASPNETCORE-TOKEN: " + app.token,
                    "X-Forwarded-For: 203.0.113.9:41000", "X-Forwarded-Proto: https",
                    "MS-ASPNETCORE-USER: alice", "MS-ASPNETCORE-AUTH-TYPE: Basic");
            assertThat(info.status).isEqualTo(200);
            assertThat(info.body).contains("context path: /app1\n").contains("path info: /x\n")
                    .contains("client: 203.0.113.9:41000\n").contains("scheme: https\n")
                    .contains("url: https://localhost:" + app.port + "/app1/x\n").contains("user: alice\n");
        }
    }

    @Test
    void theShutdownMessageGets202AndTheProcessExits() throws Exception {
        try (ChildApp app = ChildApp.startClass(ServletApp.class.getName(), "/")) {
            OneShotHttp.Response response = OneShotHttp.send(app.port, "POST", "/iisintegration",
                    "MS-ASPNETCORE-TOKEN: " + app.token, "MS-ASPNETCORE-EVENT: shutdown ", "Content-Length: 0");
            assertThat(response.status).isEqualTo(202);
            assertThat(app.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(app.process.exitValue()).isZero();
        }
    }
}
