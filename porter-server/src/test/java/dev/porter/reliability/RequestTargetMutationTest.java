package dev.porter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.server.RequestTarget;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A seeded random-mutation test of our own (NOT coverage-guided) for {@link RequestTarget#parse}, with the same
 * invariants as {@link RequestTargetFuzzTest}. It exists because Jazzer 0.24.0 cannot instrument Java 25 class files
 * (major version 69): its fuzzing of Porter's own classes gets no coverage feedback, so this test walks the
 * interesting neighbourhood on purpose: seeds full of dot segments, escapes and overlong UTF-8, mutated by inserting,
 * deleting and replacing characters from an alphabet of the path's special characters. Deterministic (fixed seed);
 * 100,000 mutants in about two seconds.
 */
class RequestTargetMutationTest {

    private static final List<String> SEEDS = List.of("/", "/a/b/c", "/a/./b/../c", "/%2e%2e/x", "/a/%2E%2e/b",
            "/..%2f..%2fetc", "/%c0%ae%c0%ae/", "/a%00b", "/a?b=c#d", "/%ZZ", "/a/b/..", "/./", "//a//b/",
            "/%e2%82%ac", "/a\\b", "/a%5c..%5cb", "/.%2e/", "/%2e./x?y");
    private static final String ALPHABET = "/.%?#\\;:@&=+ab0123456789cdefACDEF\u0000\u0001\u007f\u00e9 \t\r\n";

    @Test
    void mutatedTargetsKeepTheCookedPathSafe() {
        SplittableRandom random = new SplittableRandom(0x5EED_7A26_E7L);
        for (int i = 0; i < 100_000; i++) {
            StringBuilder s = new StringBuilder(SEEDS.get(random.nextInt(SEEDS.size())));
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits; e++) {
                int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
                char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
                switch (random.nextInt(4)) {
                    case 0 -> s.insert(at, c);
                    case 1 -> s.insert(at, "%" + "0123456789abcdefABCDEF".charAt(random.nextInt(22))
                            + "0123456789abcdefABCDEF".charAt(random.nextInt(22)));
                    case 2 -> {
                        if (at < s.length()) {
                            s.deleteCharAt(at);
                        }
                    }
                    default -> {
                        if (at < s.length()) {
                            s.setCharAt(at, c);
                        }
                    }
                }
            }
            check(s.toString());
        }
    }

    static void check(String uri) {
        RequestTarget target;
        try {
            target = RequestTarget.parse(uri);
        } catch (RequestTarget.InvalidTargetException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        String cooked = target.cookedPath();
        assertThat(cooked).as("cooked path of %s", uri).startsWith("/");
        for (String segment : cooked.split("/", -1)) {
            assertThat(segment).as("segment of %s cooked from %s", cooked, uri).isNotEqualTo("..").isNotEqualTo(".");
        }
        for (int i = 0; i < cooked.length(); i++) {
            char c = cooked.charAt(i);
            assertThat(c < 0x20 || c == 0x7f || c == '\\').as("character 0x%x in %s cooked from %s", (int) c, cooked,
                    uri).isFalse();
        }
        assertThat(new String(cooked.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(cooked);
    }
}
