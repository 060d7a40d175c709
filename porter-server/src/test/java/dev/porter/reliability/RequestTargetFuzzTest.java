package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.porter.server.RequestTarget;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link RequestTarget#parse}, the code that turns what a client wrote into the
 * path routing uses and the forwarder sends on. Invariants for every accepted target: the cooked path starts with
 * '/', holds no '..' or '.' segment, no control character and no backslash; a refusal is an
 * {@link RequestTarget.InvalidTargetException} with a message, never another exception.
 *
 * <p>Without {@code JAZZER_FUZZ=1} this runs the stored inputs only (regression mode); see RELIABILITY.md for the
 * fuzzing commands.
 */
class RequestTargetFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void cookedPathIsAlwaysSafe(FuzzedDataProvider data) {
        // Latin-1, as the request line decoder hands the target over
        String uri = new String(data.consumeRemainingAsBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        RequestTarget target;
        try {
            target = RequestTarget.parse(uri);
        } catch (RequestTarget.InvalidTargetException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        String cooked = target.cookedPath();
        assertThat(cooked).startsWith("/");
        for (String segment : cooked.split("/", -1)) {
            assertThat(segment).isNotEqualTo("..").isNotEqualTo(".");
        }
        for (int i = 0; i < cooked.length(); i++) {
            char c = cooked.charAt(i);
            assertThat(c < 0x20 || c == 0x7f || c == '\\').as("control or backslash at %d in %s", i, cooked).isFalse();
        }
        assertThat(target.rawPath() + (target.rawQuery() == null ? "" : "?" + target.rawQuery())).isEqualTo(uri);
    }
}
