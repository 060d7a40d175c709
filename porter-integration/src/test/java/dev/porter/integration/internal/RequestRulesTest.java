package dev.porter.integration.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.httpcontext.PathBase;
import dev.porter.integration.LogCapture;
import dev.porter.integration.PorterOptions;
import dev.porter.integration.TestCertificates;
import dev.porter.integration.internal.Outcome.Action;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestRulesTest {
    private static final String TOKEN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    private static RequestRules rules(String applPath, PorterOptions options) {
        Map<String, String> env = new HashMap<>();
        env.put("ASPNETCORE_PORT", "31337");
        env.put("ASPNETCORE_APPL_PATH", applPath);
        env.put("ASPNETCORE_TOKEN", TOKEN);
        return new RequestRules(IntegrationSettings.from(env::get).get(), options);
    }

    private static Outcome evaluate(RequestRules rules, FakeRequest request, String path) {
        return rules.evaluate(request, PathBase.split(rules.settings().pathBase(), path));
    }

    @Test
    void theRightTokenPasses() {
        Outcome outcome = evaluate(rules("/", PorterOptions.defaults()),
                new FakeRequest("GET").header("MS-ASPNETCORE-TOKEN", TOKEN), "/");
        assertThat(outcome.action()).isEqualTo(Action.PROCEED);
    }

    @Test
    void aMissingTokenIsRejectedWithOneErrorLine() {
        try (LogCapture log = new LogCapture()) {
            Outcome outcome = evaluate(rules("/", PorterOptions.defaults()), new FakeRequest("GET"), "/");
            assertThat(outcome.action()).isEqualTo(Action.REJECT);
            assertThat(log.records()).hasSize(1);
            LogRecord record = log.records().get(0);
            assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(record.getMessage()).isEqualTo(
                    "'MS-ASPNETCORE-TOKEN' does not match the expected pairing token, request rejected.")
                    .doesNotContain(TOKEN);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', emptyValue = "", value = {"wrong", "3F2504E0-4F89-41D3-9A0C-0305E82C3301", "''",
        "3f2504e0-4f89-41d3-9a0c-0305e82c330", "3f2504e0-4f89-41d3-9a0c-0305e82c33011"})
    void aWrongTokenIsRejectedTheComparisonIsOrdinal(String presented) {
        try (LogCapture log = new LogCapture()) {
            Outcome outcome = evaluate(rules("/", PorterOptions.defaults()),
                    new FakeRequest("GET").header("MS-ASPNETCORE-TOKEN", presented), "/");
            assertThat(outcome.action()).isEqualTo(Action.REJECT);
            assertThat(log.records()).hasSize(1);
        }
    }

    @Test
    void aShutdownWithoutTheTokenIsRejectedNotObeyed() {
        Outcome outcome = evaluate(rules("/", PorterOptions.defaults()),
                new FakeRequest("POST").header("MS-ASPNETCORE-EVENT", "shutdown"), "/iisintegration");
        assertThat(outcome.action()).isEqualTo(Action.REJECT);
    }

    /** spec §2.2 step 2 and ASP.NET's IISMiddlewareTests: only POST + path + event together stop the app. */
    @ParameterizedTest(name = "{0} {2} (base {1}) event ''{3}'' -> {4}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "POST    | /         | /iisintegration          | shutdown  | SHUTDOWN",
        "post    | /         | /iisintegration          | shutdown  | SHUTDOWN",
        "POST    | /         | /IISIntegration          | SHUTDOWN  | SHUTDOWN",
        // ANCM sends the value with a trailing space
        "POST    | /         | /iisintegration          | 'shutdown ' | SHUTDOWN",
        "POST    | /pathBase | /pathBase/iisintegration | shutdown  | SHUTDOWN",
        "POST    | /pathBase | /PATHBASE/iisintegration | shutdown  | SHUTDOWN",
        // wrong method
        "PUT     | /         | /iisintegration          | shutdown  | PROCEED",
        "TRACE   | /         | /iisintegration          | shutdown  | PROCEED",
        "HEAD    | /         | /iisintegration          | shutdown  | PROCEED",
        "GET     | /         | /iisintegration          | shutdown  | PROCEED",
        "DELETE  | /         | /iisintegration          | shutdown  | PROCEED",
        "OPTIONS | /         | /iisintegration          | shutdown  | PROCEED",
        // wrong path
        "POST    | /         | /                        | shutdown  | PROCEED",
        "POST    | /         | /path                    | shutdown  | PROCEED",
        "POST    | /         | /path/iisintegration     | shutdown  | PROCEED",
        "POST    | /         | /iisintegration/x        | shutdown  | PROCEED",
        "POST    | /pathBase | /iisintegration          | shutdown  | PROCEED",
        "POST    | /pathBase | /other/iisintegration    | shutdown  | PROCEED",
        // wrong or missing event
        "POST    | /         | /iisintegration          | event     | PROCEED",
        "POST    | /         | /iisintegration          | ''        | PROCEED",
    })
    void shutdownPathVariants(String method, String applPath, String path, String event, Action expected) {
        FakeRequest request = new FakeRequest(method).header("MS-ASPNETCORE-TOKEN", TOKEN);
        if (!event.isEmpty()) {
            request.header("MS-ASPNETCORE-EVENT", event);
        }
        assertThat(evaluate(rules(applPath, PorterOptions.defaults()), request, path).action()).isEqualTo(expected);
    }

    @Test
    void aMissingEventHeaderIsNoShutdown() {
        FakeRequest request = new FakeRequest("POST").header("MS-ASPNETCORE-TOKEN", TOKEN);
        assertThat(evaluate(rules("/", PorterOptions.defaults()), request, "/iisintegration").action())
                .isEqualTo(Action.PROCEED);
    }

    @Test
    void theForwardedCertificateIsDecodedLazily() throws Exception {
        FakeRequest request = new FakeRequest("GET").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-CLIENTCERT", TestCertificates.headerValue());
        Outcome outcome = evaluate(rules("/", PorterOptions.defaults()), request, "/");
        assertThat(outcome.certificate().get()).isEqualTo(TestCertificates.clientCertificate());

        Outcome off = evaluate(rules("/", PorterOptions.defaults().withForwardClientCertificate(false)), request, "/");
        assertThat(off.certificate()).isNull();
    }

    @Test
    void theForwardedUserNeedsAutomaticAuthentication() {
        FakeRequest request = new FakeRequest("GET").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-USER", "alice").header("MS-ASPNETCORE-AUTH-TYPE", "Basic");
        Outcome on = evaluate(rules("/", PorterOptions.defaults()), request, "/");
        assertThat(on.user()).isEqualTo("alice");
        assertThat(on.authType()).isEqualTo("Basic");

        Outcome off = evaluate(rules("/", PorterOptions.defaults().withAutomaticAuthentication(false)), request, "/");
        assertThat(off.user()).isNull();
    }

    @Test
    void withoutAnAuthTypeTheDisplayNameNamesTheScheme() {
        FakeRequest request = new FakeRequest("GET").header("MS-ASPNETCORE-TOKEN", TOKEN)
                .header("MS-ASPNETCORE-USER", "bob");
        Outcome outcome = evaluate(rules("/", PorterOptions.defaults().withAuthenticationDisplayName("Front")),
                request, "/");
        assertThat(outcome.authType()).isEqualTo("Front");
    }

    @Test
    void aRejectedRequestsUserIsNeverHonoured() {
        FakeRequest request = new FakeRequest("GET").header("MS-ASPNETCORE-USER", "mallory");
        Outcome outcome = evaluate(rules("/", PorterOptions.defaults()), request, "/");
        assertThat(outcome.action()).isEqualTo(Action.REJECT);
        assertThat(outcome.user()).isNull();
    }
}
