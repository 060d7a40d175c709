package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, range-checked reads of one element's attributes, the way IIS's schema validation does them: a value outside
 * the schema makes the whole section unusable, and the error names the attribute and the allowed range.
 */
final class AttributeReader {

    private final Path file;
    private final XmlElement element;

    AttributeReader(Path file, XmlElement element) {
        this.file = file;
        this.element = element;
    }

    /** Refuses attributes the schema does not declare (IIS: "Unrecognized attribute"), so typos do not pass silently. */
    AttributeReader onlyKnown(Set<String> known) throws ConfigException {
        for (String name : element.attributes().keySet()) {
            if (!known.contains(name) && !name.startsWith("xmlns") && !name.startsWith("xdt:")) {
                throw ConfigException.invalidElement(file, element, "unrecognized attribute '" + name
                        + "'; the attributes of <" + element.name() + "> are " + new TreeSet<>(known)
                        + " (names are case-sensitive).");
            }
        }
        return this;
    }

    String string(String name, String defaultValue) {
        String value = element.attribute(name);
        return value == null ? defaultValue : value;
    }

    String required(String name) throws ConfigException {
        String value = element.attribute(name);
        if (value == null || value.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "attribute '" + name + "' is required.");
        }
        return value;
    }

    long unsigned(String name, long defaultValue, long min, long max) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < min || parsed > max) {
                throw outOfRange(name, value, min + "-" + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw outOfRange(name, value, "a whole number from " + min + " to " + max);
        }
    }

    int unsignedInt(String name, int defaultValue, int min, int max) throws ConfigException {
        return (int) unsigned(name, defaultValue, min, max);
    }

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

    Duration timeSpan(String name, Duration defaultValue, Duration max) throws ConfigException {
        String value = element.attribute(name);
        if (value == null) {
            return defaultValue;
        }
        Duration parsed;
        try {
            parsed = TimeSpan.parse(value);
        } catch (IllegalArgumentException e) {
            throw outOfRange(name, value, "a time span hh:mm:ss or d.hh:mm:ss from 00:00:00 to "
                    + TimeSpan.format(max));
        }
        if (parsed.compareTo(max) > 0) {
            throw outOfRange(name, value, "00:00:00 to " + TimeSpan.format(max));
        }
        return parsed;
    }

    ConfigException outOfRange(String name, String value, String allowed) {
        return ConfigException.invalidAttribute(file, element, name, value, allowed);
    }
}
