package dev.porter.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads a configuration file into {@link XmlElement}s with line numbers. DTDs and external entities are refused:
 * configuration files never need them and they are the classic XXE hole. The parser detects the encoding itself
 * (UTF-8 with or without a byte-order mark, UTF-16, the XML declaration), so what Visual Studio and
 * {@code dotnet publish} write is read unchanged, CRLF line endings included.
 *
 * <p>SAX reports where a start tag <em>ends</em>; hand-written web.configs often spread {@code <aspNetCore ...>} over
 * several lines, so the line of the tag's {@code <} and of each attribute is looked up in the file's text, so that an
 * error points at the line the person has to edit.
 */
public final class XmlReader {

    private XmlReader() {
    }

    public static XmlElement read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "the file does not exist.");
        } catch (IOException e) {
            throw new ConfigException(file, "cannot be read: " + e, e);
        }
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            SAXParser parser = factory.newSAXParser();
            TreeBuilder builder = new TreeBuilder(lines(bytes));
            parser.parse(new ByteArrayInputStream(bytes), builder);
            if (builder.root == null) {
                throw new ConfigException(file, "the file has no root element.");
            }
            return builder.root;
        } catch (SAXParseException e) {
            throw new ConfigException(file, "line " + e.getLineNumber() + ", column " + e.getColumnNumber()
                    + ": not well-formed XML: " + e.getMessage());
        } catch (SAXException | ParserConfigurationException e) {
            throw new ConfigException(file, "cannot be parsed as XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file, "cannot be read: " + e, e);
        }
    }

    /**
     * The file's lines, for finding tags and attribute names only. Decoded as UTF-8 (what config files are; SAX counts
     * columns in characters, so this keeps them aligned) or UTF-16 after its byte-order mark; in any other encoding
     * the markup is still ASCII and found, only columns after non-ASCII text may be off, which costs nothing worse than
     * a less precise line.
     */
    private static List<String> lines(byte[] bytes) {
        String text;
        if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF)
                || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
            text = new String(bytes, StandardCharsets.UTF_16);
        } else {
            text = new String(bytes, StandardCharsets.UTF_8);
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(text.substring(start, i));
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        lines.add(text.substring(start));
        return lines;
    }

    private static final class TreeBuilder extends DefaultHandler {
        private final Deque<XmlElement> open = new ArrayDeque<>();
        private final List<String> lines;
        private Locator locator;
        private XmlElement root;

        TreeBuilder(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public void setDocumentLocator(Locator documentLocator) {
            this.locator = documentLocator;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            int endLine = locator == null ? 0 : locator.getLineNumber();
            int endColumn = locator == null ? 0 : locator.getColumnNumber();
            int[] start = findTagStart(qName, endLine, endColumn);
            XmlElement element = new XmlElement(qName, start[0]);
            for (int i = 0; i < attributes.getLength(); i++) {
                String name = attributes.getQName(i);
                element.putAttribute(name, attributes.getValue(i), findAttributeLine(name, start, endLine));
            }
            if (open.isEmpty()) {
                root = element;
            } else {
                open.peek().addChild(element);
            }
            open.push(element);
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            open.pop();
        }

        /** {line, column} (1-based line, 0-based column) of {@code <qName}, searching back from the tag's end. */
        private int[] findTagStart(String qName, int endLine, int endColumn) {
            String needle = "<" + qName;
            for (int line = Math.min(endLine, lines.size()); line >= 1; line--) {
                String text = lines.get(line - 1);
                int from = line == endLine ? Math.min(Math.max(endColumn - 1, 0), text.length()) : text.length();
                int at = text.lastIndexOf(needle, from);
                while (at >= 0) {
                    int after = at + needle.length();
                    if (after >= text.length() || isTagNameEnd(text.charAt(after))) {
                        return new int[] {line, at};
                    }
                    at = at == 0 ? -1 : text.lastIndexOf(needle, at - 1);
                }
            }
            return new int[] {endLine, 0};
        }

        private int findAttributeLine(String name, int[] start, int endLine) {
            for (int line = start[0]; line <= Math.min(endLine, lines.size()) && line >= 1; line++) {
                String text = lines.get(line - 1);
                int from = line == start[0] ? start[1] : 0;
                int at = text.indexOf(name, from);
                while (at >= 0) {
                    boolean startsWord = at == 0 || Character.isWhitespace(text.charAt(at - 1));
                    int after = at + name.length();
                    while (after < text.length() && Character.isWhitespace(text.charAt(after))) {
                        after++;
                    }
                    if (startsWord && (after >= text.length() || text.charAt(after) == '=')) {
                        return line;
                    }
                    at = text.indexOf(name, at + 1);
                }
            }
            return start[0];
        }

        private static boolean isTagNameEnd(char c) {
            return Character.isWhitespace(c) || c == '/' || c == '>';
        }
    }
}
