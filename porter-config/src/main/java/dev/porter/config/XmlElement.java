package dev.porter.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One element of a configuration file, with the line it starts on, so that every error can say where it is.
 * Attribute names are case-sensitive, as in IIS's configuration system.
 */
public final class XmlElement {

    private final String name;
    private final int line;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final Map<String, Integer> attributeLines = new LinkedHashMap<>();
    private final List<XmlElement> children = new ArrayList<>();

    XmlElement(String name, int line) {
        this.name = name;
        this.line = line;
    }

    public String name() {
        return name;
    }

    /** The line of the start tag's {@code <}. */
    public int line() {
        return line;
    }

    /** The line an attribute is written on (start tags may span lines); the element's line if it has no such one. */
    public int line(String attributeName) {
        return attributeLines.getOrDefault(attributeName, line);
    }

    public Map<String, String> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    public List<XmlElement> children() {
        return Collections.unmodifiableList(children);
    }

    public String attribute(String attributeName) {
        return attributes.get(attributeName);
    }

    public List<XmlElement> children(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }

    public Optional<XmlElement> child(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).findFirst();
    }

    /** Follows a path of child names, first match at each step. */
    public Optional<XmlElement> descendant(String... path) {
        XmlElement current = this;
        for (String step : path) {
            Optional<XmlElement> next = current.child(step);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            current = next.get();
        }
        return Optional.of(current);
    }

    void putAttribute(String attributeName, String value, int attributeLine) {
        attributes.put(attributeName, value);
        attributeLines.put(attributeName, attributeLine);
    }

    void addChild(XmlElement child) {
        children.add(child);
    }
}
