package dev.porter.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One case of the hostile request corpus ({@code reliability/hostile-requests.txt}, format documented in
 * {@code reliability/make-corpus.py}): what it attacks, what Porter must do, and the exact bytes.
 *
 * @param passing how many requests of the case are legitimate: each gets a 200 and reaches the application
 * @param thenReject after the legitimate ones (or from the start when {@code passing} is 0) the client gets a 4xx or
 *     a closed connection, and nothing of it reaches the application
 */
record HostileCase(String category, String name, int passing, boolean thenReject, byte[] request) {

    static final String RESOURCE = "/reliability/hostile-requests.txt";

    @Override
    public String toString() {
        return category + ": " + name;
    }

    static List<HostileCase> load() {
        try (InputStream in = HostileCase.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the test class path");
            }
            List<HostileCase> cases = new ArrayList<>();
            int lineNumber = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split(" \\| ", 4);
                if (parts.length != 4) {
                    throw new IllegalArgumentException(RESOURCE + " line " + lineNumber
                            + ": expected 'category | name | expectation | request'");
                }
                cases.add(parse(parts, lineNumber));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HostileCase parse(String[] parts, int lineNumber) {
        String expectation = parts[2].trim();
        int passing;
        boolean thenReject;
        if (expectation.equals("reject")) {
            passing = 0;
            thenReject = true;
        } else if (expectation.matches("pass \\d+( then reject)?")) {
            String[] words = expectation.split(" ");
            passing = Integer.parseInt(words[1]);
            thenReject = words.length > 2;
        } else {
            throw new IllegalArgumentException(RESOURCE + " line " + lineNumber + ": unknown expectation '"
                    + expectation + "' (reject, pass N, pass N then reject)");
        }
        return new HostileCase(parts[0].trim(), parts[1].trim(), passing, thenReject, unescape(parts[3], lineNumber));
    }

    /** {@code \r \n \t \0 \xHH \\} and {@code {N*text}} (text repeated N times, escapes allowed inside). */
    static byte[] unescape(String s, int lineNumber) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                int star = s.indexOf('*', i);
                int close = s.indexOf('}', star);
                int count = Integer.parseInt(s.substring(i + 1, star));
                byte[] unit = unescape(s.substring(star + 1, close), lineNumber);
                for (int k = 0; k < count; k++) {
                    out.writeBytes(unit);
                }
                i = close;
            } else if (c == '\\') {
                char e = s.charAt(++i);
                switch (e) {
                    case 'r' -> out.write('\r');
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case '0' -> out.write(0);
                    case '\\' -> out.write('\\');
                    case '"' -> out.write('"');
                    case 'x' -> {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException(RESOURCE + " line " + lineNumber
                            + ": unknown escape \\" + e);
                }
            } else {
                if (c > 0xff) {
                    throw new IllegalArgumentException(RESOURCE + " line " + lineNumber + ": non-Latin-1 character");
                }
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
