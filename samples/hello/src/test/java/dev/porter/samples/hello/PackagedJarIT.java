package dev.porter.samples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.testing.ChildApp;
import dev.porter.testing.OneShotHttp;
import org.junit.jupiter.api.Test;

/**
 * The packaged app exactly as its web.config runs it ({@code java -jar target/hello.jar}, lib/ beside it): catches a
 * manifest class path that does not match the copied libraries, which the class-path tests cannot see.
 */
class PackagedJarIT {
    @Test
    void thePackagedJarRunsBehindTheModuleAndChecksTheToken() throws Exception {
        try (ChildApp app = ChildApp.start("/", "-jar", "target/hello.jar")) {
            assertThat(OneShotHttp.send(app.port, "GET", "/hello").status).isEqualTo(400);
            OneShotHttp.Response hello = OneShotHttp.send(app.port, "GET", "/hello",
                    "MS-ASPNETCORE-TOKEN: " + app.token);
            assertThat(hello.status).isEqualTo(200);
            assertThat(hello.body).isEqualTo("hello");
        }
    }
}
