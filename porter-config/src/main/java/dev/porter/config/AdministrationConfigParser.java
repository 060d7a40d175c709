package dev.porter.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code <configuration><system.applicationHost><administration>} from porter.xml: {@code bindingInformation}
 * ({@code ip:port:}, as a site binding without a host name), {@code realm} and {@code userFile} (an htpasswd file of
 * bcrypt entries, relative to porter.xml's folder; with it, every admin page but {@code /health} asks for Basic
 * credentials). Kept apart from {@link ServerConfigParser} so that the server's configuration record does not change
 * shape for an optional, Porter-only section.
 */
public final class AdministrationConfigParser {

    private static final Set<String> ATTRIBUTES = Set.of("bindingInformation", "realm", "userFile");
    private static final String ALLOWED = "ip:port: where ip is * (or empty) for every address or an IP address ([...] "
            + "around IPv6), port is 0-65535 (0: a free port the OS picks), and no host name (e.g. 127.0.0.1:9090:)";

    private final EnvironmentExpander expander;

    public AdministrationConfigParser(EnvironmentExpander expander) {
        this.expander = expander;
    }

    public AdministrationConfigParser() {
        this(EnvironmentExpander.ofSystem());
    }

    /** The admin endpoint porter.xml asks for, or empty when it has no {@code <administration>}. */
    public Optional<AdministrationConfig> parse(Path file) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        XmlElement root = XmlReader.read(absolute);
        Optional<XmlElement> appHost = root.child("system.applicationHost");
        if (appHost.isEmpty()) {
            return Optional.empty();
        }
        List<XmlElement> found = appHost.get().children("administration");
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (found.size() > 1) {
            throw ConfigException.invalidElement(absolute, found.get(1), "a second <administration> (the first is on "
                    + "line " + found.getFirst().line() + ").");
        }
        XmlElement element = found.getFirst();
        AttributeReader a = new AttributeReader(absolute, element).onlyKnown(ATTRIBUTES);
        String info = a.required("bindingInformation").strip();
        int hostColon = info.lastIndexOf(':');
        int portColon = hostColon <= 0 ? -1 : info.lastIndexOf(':', hostColon - 1);
        if (portColon < 0 || hostColon != info.length() - 1) {
            throw a.outOfRange("bindingInformation", info, ALLOWED);
        }
        String address = info.substring(0, portColon);
        String portText = info.substring(portColon + 1, hostColon);
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(portText) > 65535) {
            throw a.outOfRange("bindingInformation", info, ALLOWED);
        }
        if (address.isEmpty() || address.equals("*")) {
            address = "*";
        } else {
            boolean bracketed = address.startsWith("[") && address.endsWith("]");
            if (bracketed) {
                address = address.substring(1, address.length() - 1);
            }
            if (address.contains(":") != bracketed || !ServerConfigParser.isIpLiteral(address)) {
                throw a.outOfRange("bindingInformation", info, ALLOWED);
            }
        }
        String realm = a.string("realm", "Porter administration");
        if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0 || realm.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw a.outOfRange("realm", realm, "text without quotes, backslashes or control characters");
        }
        String userFile = a.string("userFile", null);
        ServerConfig.BasicAuthentication authentication = ServerConfig.BasicAuthentication.DISABLED;
        if (userFile != null) {
            if (userFile.isBlank()) {
                throw a.outOfRange("userFile", userFile, "an htpasswd file with bcrypt entries (htpasswd -B -c "
                        + "admin.htpasswd alice), relative to porter.xml's folder");
            }
            Path users = AppPaths.resolve(absolute.getParent(), expander.expand(userFile));
            authentication = new ServerConfig.BasicAuthentication(true, realm, users, HtpasswdFile.read(users,
                    absolute.getFileName() + " line " + element.line("userFile") + " <administration userFile>"));
        }
        return Optional.of(new AdministrationConfig(address, Integer.parseInt(portText), authentication,
                absolute.getFileName() + " line " + element.line() + " <administration>"));
    }
}
