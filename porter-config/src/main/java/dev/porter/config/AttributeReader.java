package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, range-checked reads of one element's attributes, the way IIS's schema validation does them: a value outside
 * the schema makes the whole section unusable, and the error names the line, element, attribute, value and the
 * allowed range.
 */
final class AttributeReader {

    /** Attributes IIS's configuration system allows on every element (locking), and namespace declarations. */
    private static final Set<String> UNIVERSAL = Set.of("lockAttributes", "lockAllAttributesExcept", "lockElements",
            "lockAllElementsExcept", "lockItem");

    private final Path file;
    private final XmlElement element;

    AttributeReader(Path file, XmlElement element) {
        this.file = file;
        this.element = element;
    }

    /**
     * Refuses attributes the schema does not declare (IIS: "Unrecognized attribute"), so typos do not pass silently.
     * XML Document Transform attributes ({@code xdt:Transform}, {@code xdt:Locator}) and namespace declarations are
     * allowed anywhere: publish profiles leave them in.
     */
    AttributeReader onlyKnown(Set<String> known) throws ConfigException {
        for (var attribute : element.attributes().entrySet()) {
            String name = attribute.getKey();
            if (!known.contains(name) && !UNIVERSAL.contains(name) && !name.startsWith("xmlns")
                    && !name.startsWith("xdt:")) {
                throw ConfigException.attributeProblem(file, element, name, "unrecognized attribute (value '"
                        + attribute.getValue() + "'); " + (known.isEmpty() ? "<" + element.name()
                        + "> takes no attributes." : "allowed attributes of <" + element.name() + ">: "
                        + String.join(", ", new TreeSet<>(known)) + " (names are case-sensitive)."));
            }
        }
        return this;
    }

    XmlElement element() {
        return element;
    }

    Path file() {
        return file;
    }

    String string(String name, String defaultValue) {
        String value = element.attribute(name);
        return value == null ? defaultValue : value;
    }

    /** A required, non-empty string, with IIS's wording for a missing one ({@code Attribute 'x' is required.}). */
    String required(String name) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            throw ConfigException.invalidElement(file, element, "Attribute '" + name + "' is required.");
        }
        if (value.isEmpty()) {
            // ANCM's wording is the same for an empty value as for a missing one (spec §4)
            throw ConfigException.attributeProblem(file, element, name, "the value is empty. Attribute '" + name
                    + "' is required.");
        }
        return value;
    }

    long unsigned(String name, long defaultValue, long min, long max) throws ConfigException {
        return unsigned(name, defaultValue, min, max, "");
    }

    /** An IIS {@code uint}: decimal digits only, within [min, max]; {@code unit} (" (seconds)") is for the message. */
    long unsigned(String name, long defaultValue, long min, long max, String unit) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            return defaultValue;
        }
        String allowed = "a whole number from " + min + " to " + max + unit;
        String trimmed = value.trim();
        if (trimmed.isEmpty() || trimmed.length() > 18 || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw outOfRange(name, value, allowed);
        }
        long parsed = Long.parseLong(trimmed);
        if (parsed < min || parsed > max) {
            throw outOfRange(name, value, allowed);
        }
        return parsed;
    }

    int unsignedInt(String name, int defaultValue, int min, int max) throws ConfigException {
        return (int) unsigned(name, defaultValue, min, max, "");
    }

    int unsignedInt(String name, int defaultValue, int min, int max, String unit) throws ConfigException {
        return (int) unsigned(name, defaultValue, min, max, unit);
    }

    /** IIS booleans: {@code true} or {@code false}, any case. */
    boolean bool(String name, boolean defaultValue) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            return defaultValue;
        }
        if (value.trim().equalsIgnoreCase("true")) {
            return true;
        }
        if (value.trim().equalsIgnoreCase("false")) {
            return false;
        }
        throw outOfRange(name, value, "true or false");
    }

    /** An IIS timeSpan in whole seconds (the schemas Porter reads all have 1-second granularity) up to {@code max}. */
    Duration timeSpan(String name, Duration defaultValue, Duration max) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            return defaultValue;
        }
        String allowed = "a time span hh:mm:ss or d.hh:mm:ss in whole seconds, from 00:00:00 to "
                + TimeSpan.format(max) + (max.toHours() >= 24 ? " (" + TimeSpan.formatHours(max) + ")" : "");
        Duration parsed;
        try {
            parsed = TimeSpan.parse(value);
        } catch (IllegalArgumentException e) {
            throw outOfRange(name, value, allowed);
        }
        if (parsed.compareTo(max) > 0 || parsed.toNanosPart() != 0) {
            throw outOfRange(name, value, allowed);
        }
        return parsed;
    }

    ConfigException outOfRange(String name, String value, String allowed) {
        return ConfigException.invalidAttribute(file, element, name, value, allowed);
    }
}
