package dev.porter.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used. The message always says where (file, line, element, attribute) and what
 * would be allowed, because the person reading it is fixing a file by hand.
 */
public final class ConfigException extends Exception {

    private final Path file;

    public ConfigException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public ConfigException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** An attribute whose value is outside what the schema allows. */
    public static ConfigException invalidAttribute(Path file, XmlElement element, String attribute, String value,
            String allowed) {
        return new ConfigException(file, "line " + element.line(attribute) + ": <" + element.name() + "> attribute '"
                + attribute + "' has invalid value '" + value + "'; allowed: " + allowed + ".");
    }

    /** A problem with one attribute that is not a plain range violation (unknown, required, misplaced). */
    public static ConfigException attributeProblem(Path file, XmlElement element, String attribute, String problem) {
        return new ConfigException(file, "line " + element.line(attribute) + ": <" + element.name() + "> attribute '"
                + attribute + "': " + problem);
    }

    /** A problem with an element as a whole (missing, misplaced, unknown). */
    public static ConfigException invalidElement(Path file, XmlElement element, String problem) {
        return new ConfigException(file, "line " + element.line() + ": <" + element.name() + ">: " + problem);
    }
}
