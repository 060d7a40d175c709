package dev.porter.httpcontext;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The cooked path back on the wire (spec/ancm-contract.md §1.4): what the backend decodes is what was routed. */
class WirePathTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/|/",
        "/plain/path.txt|/plain/path.txt",
        "/Path/??|/Path/%3F%3F",
        "/a b|/a%20b",
        "/100%|/100%25",
        "/é/ü|/%C3%A9/%C3%BC",
        "/a#b|/a%23b",
        "/sub-delims!$&'()*+,;=:@|/sub-delims!$&'()*+,;=:@",
        "/quote\"<>|/quote%22%3C%3E",
        "/😀|/%F0%9F%98%80",
    })
    void escapesWhatAPathMayNotContain(String cooked, String wire) {
        assertThat(WirePath.escape(cooked)).isEqualTo(wire);
        assertThat(URI.create(wire).getPath()).isEqualTo(cooked);
    }
}
