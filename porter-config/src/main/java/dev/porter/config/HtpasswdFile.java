package dev.porter.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Apache htpasswd file ({@code name:hash} per line, {@code #} comments) with bcrypt entries only, as
 * {@code htpasswd -B} writes them ({@code $2y$NN$} + 53 characters). MD5 ({@code $apr1$}), SHA-1 ({@code {SHA}}) and
 * crypt entries are refused by line: they are weak, and a silently unusable entry is a locked-out user.
 */
final class HtpasswdFile {

    private HtpasswdFile() {
    }

    /** @throws ConfigException naming the file and line of a bad entry; {@code origin} says who named the file */
    static Map<String, String> read(Path file, String origin) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "the user file does not exist (" + origin + ").");
        } catch (IOException e) {
            throw new ConfigException(file, "cannot read the user file (" + origin + "): " + e.getMessage());
        }
        Map<String, String> users = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int lineNumber = i + 1;
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(file, "line " + lineNumber + ": expected name:hash (htpasswd format).");
            }
            String name = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!isBcrypt(hash)) {
                throw new ConfigException(file, "line " + lineNumber + ": user '" + name + "' has a "
                        + kind(hash) + " password hash; only bcrypt entries are accepted ($2y$, $2a$ or $2b$, "
                        + "cost 4-31): create them with htpasswd -B.");
            }
            if (users.putIfAbsent(name, hash) != null) {
                throw new ConfigException(file, "line " + lineNumber + ": user '" + name + "' appears twice.");
            }
        }
        return users;
    }

    static boolean isBcrypt(String hash) {
        if (hash.length() != 60 || hash.charAt(0) != '$' || hash.charAt(1) != '2' || hash.charAt(3) != '$'
                || hash.charAt(6) != '$' || "ayb".indexOf(hash.charAt(2)) < 0) {
            return false;
        }
        if (!Character.isDigit(hash.charAt(4)) || !Character.isDigit(hash.charAt(5))) {
            return false;
        }
        int cost = Integer.parseInt(hash.substring(4, 6));
        if (cost < 4 || cost > 31) {
            return false;
        }
        for (int i = 7; i < 60; i++) {
            char c = hash.charAt(i);
            if (!(c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    private static String kind(String hash) {
        if (hash.startsWith("$apr1$")) {
            return "MD5 ($apr1$)";
        }
        if (hash.startsWith("{SHA}")) {
            return "SHA-1 ({SHA})";
        }
        if (hash.startsWith("$2")) {
            return "malformed bcrypt";
        }
        if (hash.startsWith("$5$") || hash.startsWith("$6$")) {
            return "SHA-crypt";
        }
        return "crypt or plain-text";
    }
}
