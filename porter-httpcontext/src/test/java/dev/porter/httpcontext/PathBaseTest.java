package dev.porter.httpcontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The path base rule both hosting models apply: one table, so out-of-process and in-process cannot drift apart. */
class PathBaseTest {
    @ParameterizedTest(name = "base ''{0}'' path ''{1}'' -> base ''{2}'' rest ''{3}'' matched {4}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        // no base: everything is the app's
        "''       | /x                  | ''       | /x               | true",
        "''       | /                   | ''       | /                | true",
        // the app sees /x for /app1/x
        "/app1    | /app1/x             | /app1    | /x               | true",
        "/app1    | /app1/x/y?          | /app1    | /x/y?            | true",
        "/app1    | /app1               | /app1    | ''               | true",
        "/app1    | /app1/              | /app1    | /                | true",
        // case-insensitive, keeping the request's spelling (AddsUsePathBaseMiddlewareWhenPathBaseSpecified)
        "/pathbase | /PathBase/Path     | /PathBase | /Path           | true",
        // segment boundary only
        "/app1    | /app1x/y            | ''       | /app1x/y         | false",
        "/app1    | /other              | ''       | /other           | false",
        "/a/b     | /a/b/c              | /a/b     | /c               | true",
        // a virtual path the request line must percent-encode is compared decoded (before: never matched)
        "/my app  | /my%20app/x         | /my%20app | /x              | true",
        "/my app  | /MY%20App           | /MY%20App | ''              | true",
        "/café    | /caf%C3%A9/x        | /caf%C3%A9 | /x             | true",
        "/my app  | /my%20appx/y        | ''       | /my%20appx/y     | false",
        "/a/b     | /a%2Fb/c            | ''       | /a%2Fb/c         | false",
    })
    void splitsLikeUsePathBase(String base, String path, String expectedBase, String expectedRest, boolean matched) {
        PathBase split = PathBase.split(base, path);
        assertThat(split.base()).isEqualTo(expectedBase);
        assertThat(split.rest()).isEqualTo(expectedRest);
        assertThat(split.matched()).isEqualTo(matched);
    }

    @ParameterizedTest(name = "''{0}'' under ''{1}'': {2}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "/app1 | /app1     | true",
        "/app1 | /APP1/x   | true",
        "/app1 | /app1x    | false",
        "/app1 | /app      | false",
        "''    | /anything | true",
    })
    void isUnderOnlyOnASegmentBoundaryInAnyCase(String base, String path, boolean under) {
        assertThat(PathBase.isUnder(base, path)).isEqualTo(under);
    }

    @Test
    void theRequestUriIsTheRestWithTheQueryAndTheBaseItselfIsRoot() {
        assertThat(PathBase.split("/app1", "/app1").requestUri(Optional.of("x=1"))).isEqualTo(URI.create("/?x=1"));
        assertThat(PathBase.split("/app1", "/app1/a%2Fb").requestUri(Optional.empty())).isEqualTo(URI.create("/a%2Fb"));
        URI spaced = PathBase.split("/my app", "/my%20app/uri%20x/y").requestUri(Optional.of("q=a%20b"));
        assertThat(spaced.getRawPath()).isEqualTo("/uri%20x/y");
        assertThat(spaced.getPath()).isEqualTo("/uri x/y");
        assertThat(spaced.getRawQuery()).isEqualTo("q=a%20b");
    }

    @Test
    void charactersAUriRefusesArePercentEncodedRatherThanFailingTheRequest() {
        URI uri = PathBase.requestUri("/a b/{x}|\\^`\"<>", Optional.of("q=a b"));
        assertThat(uri.getRawPath()).isEqualTo("/a%20b/%7Bx%7D%7C%5C%5E%60%22%3C%3E");
        assertThat(uri.getRawQuery()).isEqualTo("q=a%20b");
        assertThat(PathBase.requestUri("", Optional.empty())).isEqualTo(URI.create("/"));
    }
}
