package dev.porter.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads porter.xml: {@code configuration/system.applicationHost/sites} as IIS's applicationHost.config writes it
 * (the nested {@code <virtualDirectory path="/">} form too), {@code webLimits}, and the server-wide
 * {@code system.webServer} sections. Relative paths are relative to the file's folder.
 */
public final class ServerConfigParser {

    private static final Set<String> PROTOCOLS = Set.of("http");

    public ServerConfig parse(Path file) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        XmlElement root = XmlReader.read(absolute);
        if (!root.name().equals("configuration")) {
            throw ConfigException.invalidElement(absolute, root, "the root element must be <configuration>.");
        }
        Path base = absolute.getParent();
        XmlElement appHost = root.child("system.applicationHost").orElseThrow(() -> ConfigException.invalidElement(
                absolute, root, "missing <system.applicationHost><sites>...</sites></system.applicationHost>."));
        XmlElement sitesElement = appHost.child("sites").orElseThrow(() -> ConfigException.invalidElement(
                absolute, appHost, "missing <sites> with at least one <site>."));

        LogFileDefaults logDefaults = readLogFile(absolute, base, sitesElement.descendant("siteDefaults", "logFile"),
                new LogFileDefaults(false, base.resolve("logs")));
        List<ServerConfig.Site> sites = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<String, String> bindingOwners = new HashMap<>();
        long nextId = 1;
        for (XmlElement siteElement : sitesElement.children("site")) {
            ServerConfig.Site site = readSite(absolute, base, siteElement, nextId, logDefaults);
            nextId = Math.max(nextId, site.id()) + 1;
            if (!names.add(site.name())) {
                throw ConfigException.invalidAttribute(absolute, siteElement, "name", site.name(),
                        "a name no other <site> uses");
            }
            for (ServerConfig.Binding b : site.bindings()) {
                String key = b.protocol() + ":" + b.address() + ":" + b.port() + ":" + b.hostName().toLowerCase();
                String owner = bindingOwners.putIfAbsent(key, site.name());
                if (owner != null) {
                    throw ConfigException.invalidElement(absolute, siteElement, "binding '" + b.address() + ":"
                            + b.port() + ":" + b.hostName() + "' is already used by site '" + owner + "'.");
                }
            }
            sites.add(site);
        }
        if (sites.isEmpty()) {
            throw ConfigException.invalidElement(absolute, sitesElement, "no <site>; at least one is needed.");
        }
        RequestLimits limits = RequestLimits.DEFAULTS;
        Optional<XmlElement> limitsElement = root.descendant("system.webServer", "security", "requestFiltering",
                "requestLimits");
        if (limitsElement.isPresent()) {
            limits = WebConfigParser.readRequestLimits(absolute, limitsElement.get());
        }
        ServerConfig.WebLimits webLimits = ServerConfig.WebLimits.DEFAULTS;
        Optional<XmlElement> webLimitsElement = appHost.child("webLimits");
        if (webLimitsElement.isPresent()) {
            webLimits = readWebLimits(absolute, webLimitsElement.get());
        }
        return new ServerConfig(absolute, sites, limits, webLimits);
    }

    private record LogFileDefaults(boolean enabled, Path directory) {
    }

    private static LogFileDefaults readLogFile(Path file, Path base, Optional<XmlElement> element,
            LogFileDefaults defaults) throws ConfigException {
        if (element.isEmpty()) {
            return defaults;
        }
        AttributeReader a = new AttributeReader(file, element.get())
                .onlyKnown(Set.of("enabled", "directory", "logFormat"));
        String format = a.string("logFormat", "W3C");
        if (!format.equalsIgnoreCase("W3C")) {
            throw a.outOfRange("logFormat", format, "W3C");
        }
        String directory = a.string("directory", null);
        return new LogFileDefaults(a.bool("enabled", defaults.enabled()),
                directory == null ? defaults.directory() : AppPaths.resolve(base, directory));
    }

    private static ServerConfig.Site readSite(Path file, Path base, XmlElement element, long defaultId,
            LogFileDefaults logDefaults) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(Set.of("name", "id", "serverAutoStart"));
        String name = a.required("name");
        long id = a.unsigned("id", defaultId, 1, 4_294_967_295L);
        List<ServerConfig.Binding> bindings = new ArrayList<>();
        for (XmlElement bindingsElement : element.children("bindings")) {
            for (XmlElement b : bindingsElement.children("binding")) {
                bindings.add(readBinding(file, b));
            }
        }
        if (bindings.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "site '" + name + "' has no <bindings><binding "
                    + "protocol=\"http\" bindingInformation=\"*:8080:\"/></bindings>.");
        }
        List<ServerConfig.Application> applications = new ArrayList<>();
        Set<String> paths = new HashSet<>();
        for (XmlElement appElement : element.children("application")) {
            ServerConfig.Application app = readApplication(file, base, appElement);
            if (!paths.add(app.path().toLowerCase())) {
                throw ConfigException.invalidAttribute(file, appElement, "path", app.path(),
                        "a virtual path no other <application> of site '" + name + "' uses");
            }
            applications.add(app);
        }
        if (applications.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "site '" + name + "' has no <application path=\"/\" "
                    + "physicalPath=\"...\"/>.");
        }
        LogFileDefaults log = readLogFile(file, base, element.child("logFile"), logDefaults);
        return new ServerConfig.Site(name, id, bindings, applications,
                new ServerConfig.LogFile(log.enabled(), log.directory()));
    }

    static ServerConfig.Binding readBinding(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(Set.of("protocol", "bindingInformation"));
        String protocol = a.required("protocol");
        if (!PROTOCOLS.contains(protocol.toLowerCase())) {
            throw a.outOfRange("protocol", protocol, String.join(", ", PROTOCOLS));
        }
        String info = a.required("bindingInformation");
        String allowed = "ip:port:host, where ip is * or an IP address ([..] for IPv6), port is 1-65535 and host is "
                + "empty for any host";
        int lastColon = info.lastIndexOf(':');
        if (lastColon < 0) {
            throw a.outOfRange("bindingInformation", info, allowed);
        }
        String host = info.substring(lastColon + 1);
        String addressAndPort = info.substring(0, lastColon);
        int portColon = addressAndPort.lastIndexOf(':');
        if (portColon < 0) {
            throw a.outOfRange("bindingInformation", info, allowed);
        }
        String address = addressAndPort.substring(0, portColon);
        int port;
        try {
            port = Integer.parseInt(addressAndPort.substring(portColon + 1));
        } catch (NumberFormatException e) {
            throw a.outOfRange("bindingInformation", info, allowed);
        }
        if (port < 1 || port > 65535) {
            throw a.outOfRange("bindingInformation", info, allowed);
        }
        if (address.isEmpty() || address.equals("*")) {
            address = "*";
        } else {
            if (address.startsWith("[") && address.endsWith("]")) {
                address = address.substring(1, address.length() - 1);
            }
            if (!isIpLiteral(address)) {
                throw a.outOfRange("bindingInformation", info, allowed);
            }
        }
        return new ServerConfig.Binding(protocol.toLowerCase(), address, port, host.equals("*") ? "" : host);
    }

    private static boolean isIpLiteral(String address) {
        if (!address.matches("[0-9a-fA-F:.%]+") || !(address.contains(".") || address.contains(":"))) {
            return false;
        }
        try {
            InetAddress.getByName(address); // a literal never causes a lookup
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static ServerConfig.Application readApplication(Path file, Path base, XmlElement element)
            throws ConfigException {
        AttributeReader a = new AttributeReader(file, element)
                .onlyKnown(Set.of("path", "physicalPath", "applicationPool"));
        String path = a.required("path");
        if (!path.startsWith("/") || (path.length() > 1 && path.endsWith("/")) || path.contains("//")
                || path.contains("?") || path.contains("%")) {
            throw a.outOfRange("path", path, "\"/\" or a virtual path such as \"/api\" (starts with /, no trailing /)");
        }
        String physical = element.attribute("physicalPath");
        if (physical == null) {
            for (XmlElement vdir : element.children("virtualDirectory")) {
                if ("/".equals(vdir.attribute("path"))) {
                    physical = new AttributeReader(file, vdir).required("physicalPath");
                }
            }
        }
        if (physical == null || physical.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "application '" + path + "' needs physicalPath=\"...\" "
                    + "or a <virtualDirectory path=\"/\" physicalPath=\"...\"/>.");
        }
        Path resolved = AppPaths.resolve(base, EnvironmentExpander.ofSystem().expand(physical));
        if (!Files.isDirectory(resolved)) {
            throw ConfigException.invalidAttribute(file, element, "physicalPath", physical,
                    "an existing directory (resolved to " + resolved + ")");
        }
        return new ServerConfig.Application(path, resolved);
    }

    private static ServerConfig.WebLimits readWebLimits(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element)
                .onlyKnown(Set.of("connectionTimeout", "headerWaitTimeout", "maxRequestBytes"));
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        Duration max = Duration.ofDays(1);
        return new ServerConfig.WebLimits(a.timeSpan("connectionTimeout", d.connectionTimeout(), max),
                a.timeSpan("headerWaitTimeout", d.headerWaitTimeout(), max),
                a.unsignedInt("maxRequestBytes", d.maxRequestBytes(), 1024, 16 * 1024 * 1024));
    }
}
