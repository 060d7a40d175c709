package dev.porter.integration.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}
