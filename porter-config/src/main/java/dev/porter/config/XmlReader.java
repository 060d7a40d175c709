package dev.porter.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
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
 * configuration files never need them and they are the classic XXE hole.
 */
public final class XmlReader {

    private XmlReader() {
    }

    public static XmlElement read(Path file) throws ConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(false);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            SAXParser parser = factory.newSAXParser();
            TreeBuilder builder = new TreeBuilder();
            parser.parse(in, builder);
            if (builder.root == null) {
                throw new ConfigException(file, "the file has no root element.");
            }
            return builder.root;
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, "the file does not exist.");
        } catch (SAXParseException e) {
            throw new ConfigException(file, "line " + e.getLineNumber() + ", column " + e.getColumnNumber()
                    + ": not well-formed XML: " + e.getMessage());
        } catch (SAXException | ParserConfigurationException e) {
            throw new ConfigException(file, "cannot be parsed as XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file, "cannot be read: " + e, e);
        }
    }

    private static final class TreeBuilder extends DefaultHandler {
        private final Deque<XmlElement> open = new ArrayDeque<>();
        private Locator locator;
        private XmlElement root;

        @Override
        public void setDocumentLocator(Locator documentLocator) {
            this.locator = documentLocator;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            XmlElement element = new XmlElement(qName, locator == null ? 0 : locator.getLineNumber());
            for (int i = 0; i < attributes.getLength(); i++) {
                element.putAttribute(attributes.getQName(i), attributes.getValue(i));
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
    }
}
