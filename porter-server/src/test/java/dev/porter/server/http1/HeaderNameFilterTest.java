package dev.porter.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rules of {@link HeaderNameFilter} by name: what is dropped by default, and what even with the option on. */
class HeaderNameFilterTest {

    @ParameterizedTest(name = "{0}: dropped by default {1}, with underscoresInHeaders {2}")
    @CsvSource({
        "Accept, false, false",
        "X-Forwarded-For, false, false", // the real field is the forwarder's business, not this filter's
        "Content-Length, false, false",
        "X_Custom, true, false",
        "x_request_id, true, false",
        "X_Forwarded_For, true, true",
        "x_forwarded_for, true, true",
        "X-Forwarded_For, true, true",
        "X.Forwarded.For, true, true",
        "Content_Length, true, true",
        "Transfer_Encoding, true, true",
        "Transfer.Encoding, true, true",
        "Host_, true, false", // not a look-alike: HTTP_HOST_ is another CGI variable
        "X_Real_IP, true, true",
        "Forwarded_, true, false",
        "MS-ASPNETCORE-TOKEN, true, true",
        "ms-aspnetcore-event, true, true",
        "MS_ASPNETCORE_TOKEN, true, true",
        "MS-ASPNETCOREX, true, true",
        "MS.ASPNETCORE-USER, true, true",
        "MS-ASPNET, false, false",
    })
    void dropsByName(String name, boolean byDefault, boolean withOption) {
        assertThat(HeaderNameFilter.drops(name, false)).isEqualTo(byDefault);
        assertThat(HeaderNameFilter.drops(name, true)).isEqualTo(withOption);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"X_Custom", "x_custom"})
    void removesEverySpellingOfADroppedNameAndKeepsTheRest(String second) {
        HttpHeaders headers = new DefaultHttpHeaders().add("X_Custom", "1").add("Accept", "*/*").add(second, "2")
                .add("Content_Length", "5").add("Content-Length", "0");
        assertThat(HeaderNameFilter.filter(headers, false)).contains("X_Custom", "Content_Length");
        assertThat(headers.names()).containsExactlyInAnyOrder("Accept", "Content-Length");
        assertThat(headers.get("Content-Length")).isEqualTo("0");
    }
}
