package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.porter.server.RequestTarget;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link RequestTarget#parse}, the code that turns what a client wrote into the
 * path routing uses and the forwarder sends on. Invariants for every accepted target: the cooked path starts with
 * '/', holds no '..' or '.' segment, no control character and no backslash, and is well-formed Unicode; the raw
 * query (forwarded as it came) holds no control character; raw path and
 * query give back the target; a refusal is an {@link RequestTarget.InvalidTargetException} with a message, never
 * another exception. Coverage-guided on {@code RequestTarget} itself since Jazzer 0.30.0 (the seeded mutation walk
 * that stood in while its Java 25 class could not be instrumented is gone: its seeds are stored inputs here).
 *
 * <p>Without {@code JAZZER_FUZZ=1} this runs the stored inputs only (regression mode); see RELIABILITY.md for the
 * fuzzing commands.
 */
class RequestTargetFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void cookedPathIsAlwaysSafe(FuzzedDataProvider data) {
        // Latin-1, as the request line decoder hands the target over
        String uri = new String(data.consumeRemainingAsBytes(), StandardCharsets.ISO_8859_1);
        RequestTarget target;
        try {
            target = RequestTarget.parse(uri);
        } catch (RequestTarget.InvalidTargetException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        if (target.rawQuery().isPresent()) {
            assertThat(target.rawQuery().get().chars().noneMatch(c -> c < 0x20 || c == 0x7f))
                    .as("no control character in the query of %s", uri).isTrue();
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
        assertThat(new String(cooked.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).as("cooked path %s of %s "
                + "is well-formed Unicode", cooked, uri).isEqualTo(cooked);
        String raw = target.rawPath() + target.rawQuery().map(query -> "?" + query).orElse("");
        // Only what RFC 9112 allows in a request target ever goes on towards an app; a clean target is kept as is.
        assertThat(raw.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                || "-._~!$&'()*+,;=:@/?%".indexOf(c) >= 0))).as("raw target %s of %s", raw, uri).isTrue();
        if (uri.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0))) {
            assertThat(raw).isEqualTo(uri);
        }
    }
}
