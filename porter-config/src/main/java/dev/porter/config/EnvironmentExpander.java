package dev.porter.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * IIS's {@code expanded="true"} attribute handling: {@code %NAME%} is replaced by the variable's value from the server
 * process environment (names case-insensitive, as on Windows); an unknown variable is left as written, as
 * {@code ExpandEnvironmentStrings} does.
 */
public final class EnvironmentExpander {

    private final Map<String, String> environment;

    public EnvironmentExpander(Map<String, String> environment) {
        TreeMap<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        folded.putAll(environment);
        this.environment = folded;
    }

    public static EnvironmentExpander ofSystem() {
        return new EnvironmentExpander(System.getenv());
    }

    public String expand(String text) {
        if (text == null || text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int start = text.indexOf('%', i);
            if (start < 0) {
                out.append(text, i, text.length());
                break;
            }
            int end = text.indexOf('%', start + 1);
            if (end < 0) {
                out.append(text, i, text.length());
                break;
            }
            String name = text.substring(start + 1, end);
            String value = name.isEmpty() ? null : environment.get(name);
            if (value == null) {
                // Not a variable: keep the first '%' and look for a variable starting at the second one.
                out.append(text, i, end);
                i = end;
            } else {
                out.append(text, i, start).append(value);
                i = end + 1;
            }
        }
        return out.toString();
    }
}
