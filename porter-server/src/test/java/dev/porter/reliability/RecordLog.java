package dev.porter.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file a recording app in another process (or app domain) appends one line per request to, and its reader:
 * {@code method TAB target TAB problem TAB name=value&name=value...}, each part URL-encoded (ISO-8859-1).
 */
final class RecordLog {

    private RecordLog() {
    }

    static String line(Seen s) {
        StringBuilder headers = new StringBuilder();
        for (String[] h : s.headers()) {
            if (!headers.isEmpty()) {
                headers.append('&');
            }
            headers.append(enc(h[0])).append('=').append(enc(h[1]));
        }
        for (String[] h : s.trailers()) {
            headers.append(headers.isEmpty() ? "" : "&").append("trailer%3A").append(enc(h[0])).append('=')
                    .append(enc(h[1]));
        }
        return enc(s.method()) + "\t" + enc(s.target()) + "\t" + enc(s.problem()) + "\t" + headers + "\n";
    }

    static List<Seen> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Seen> all = new ArrayList<>();
        for (String line : lines) {
            String[] parts = line.split("\t", -1);
            if (parts.length < 4) {
                continue; // a line being written
            }
            List<String[]> headers = new ArrayList<>();
            List<String[]> trailers = new ArrayList<>();
            if (!parts[3].isEmpty()) {
                for (String pair : parts[3].split("&")) {
                    int eq = pair.indexOf('=');
                    String name = dec(pair.substring(0, eq));
                    String value = dec(pair.substring(eq + 1));
                    if (name.startsWith("trailer:")) {
                        trailers.add(new String[] {name.substring(8), value});
                    } else {
                        headers.add(new String[] {name, value});
                    }
                }
            }
            all.add(new Seen(dec(parts[0]), dec(parts[1]), headers, new byte[0], dec(parts[2]), trailers));
        }
        return all;
    }

    private static String enc(String s) {
        return s == null ? "-" : URLEncoder.encode(s, StandardCharsets.ISO_8859_1);
    }

    private static String dec(String s) {
        return s.equals("-") ? null : URLDecoder.decode(s, StandardCharsets.ISO_8859_1);
    }
}
