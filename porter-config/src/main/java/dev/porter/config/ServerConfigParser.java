package dev.porter.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads porter.xml: {@code configuration/system.applicationHost/sites} as IIS's applicationHost.config writes it
 * (the nested {@code <application><virtualDirectory path="/" physicalPath>} form, and Porter's shorthand
 * {@code <application path physicalPath>}), https bindings with Porter's {@code certificateFile}/{@code keyFile}/
 * {@code certificatePassword} (certificates loaded and checked here, so a bad one stops start-up naming the binding),
 * {@code webLimits}, {@code siteDefaults/logFile} and the server-wide {@code system.webServer} sections (directly or
 * in {@code <location path="">}): {@code requestFiltering/requestLimits}, {@code security/access} and
 * {@code security/authentication}. Relative paths are relative to the
 * file's folder; {@code physicalPath} and log directories are {@code %VAR%}-expanded.
 *
 * <p>Elements Porter does not use (applicationPools, applicationDefaults, traceFailedRequestsLogging...) are ignored,
 * so a real applicationHost.config site section reads unchanged; an unknown <em>attribute</em> on an element Porter
 * reads
 * is an error, so that a typo is not silently ignored. Attributes IIS writes there that Porter has no use for
 * (serverAutoStart, applicationPool, enabledProtocols, sslFlags...) are accepted and ignored.
 */
public final class ServerConfigParser {

    /** WAS's non-HTTP activation protocols (WCF): IIS's HTTP stack ignores these bindings, and so does Porter. */
    private static final Set<String> NON_HTTP_PROTOCOLS = Set.of("net.tcp", "net.pipe", "net.msmq",
            "msmq.formatname");

    private static final String BINDING_ALLOWED = "ip:port:host, where ip is * (or empty) for every address or an IP "
            + "address ([...] around IPv6), port is 0-65535 (0: a free port the OS picks) and host is a host name or "
            + "empty for any host";

    private static final Set<String> SITE_ATTRIBUTES = Set.of("name", "id", "serverAutoStart");
    private static final Set<String> BINDING_ATTRIBUTES = Set.of("protocol", "bindingInformation", "sslFlags",
            "certificateHash", "certificateStoreName", "certificateFile", "keyFile", "certificatePassword",
            "proxyProtocol");
    private static final Set<String> ACCESS_ATTRIBUTES = Set.of("sslFlags", "clientCertificateAuthorities");
    private static final Set<String> ANONYMOUS_ATTRIBUTES = Set.of("enabled", "userName", "password",
            "logonMethod");
    private static final Set<String> BASIC_ATTRIBUTES = Set.of("enabled", "realm", "defaultLogonDomain",
            "logonMethod", "userFile");
    /** Authentication schemes IIS has and Porter does not (yet): enabling one is an error, not a silent no-op. */
    private static final Set<String> UNSUPPORTED_AUTHENTICATION = Set.of("windowsAuthentication",
            "digestAuthentication", "clientCertificateMappingAuthentication",
            "iisClientCertificateMappingAuthentication");
    private static final Set<String> APPLICATION_ATTRIBUTES = Set.of("path", "physicalPath", "applicationPool",
            "enabledProtocols", "serviceAutoStartEnabled", "serviceAutoStartProvider", "preloadEnabled",
            "disallowOverlappingRotation", "queueLength");
    private static final Set<String> VIRTUAL_DIRECTORY_ATTRIBUTES = Set.of("path", "physicalPath", "userName",
            "password", "logonMethod", "allowSubDirConfig");
    private static final Set<String> LOG_FILE_ATTRIBUTES = Set.of("enabled", "directory", "logFormat", "period",
            "truncateSize", "localTimeRollover", "logExtFileFlags", "customLogPluginClsid", "logTargetW3C",
            "flushByEntryCountW3CLog", "maxLogLineLength", "logSiteId");
    private static final Set<String> WEB_LIMITS_ATTRIBUTES = Set.of("connectionTimeout", "headerWaitTimeout",
            "maxRequestBytes", "dynamicIdleThreshold", "maxBandwidth", "maxGlobalBandwidth", "minBytesPerSecond",
            "demandStartThreshold", "http2Cleartext", "http2MaxConcurrentStreams", "underscoresInHeaders");

    private final EnvironmentExpander expander;

    public ServerConfigParser(EnvironmentExpander expander) {
        this.expander = expander;
    }

    public ServerConfigParser() {
        this(EnvironmentExpander.ofSystem());
    }

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

        ServerConfig.LogFile logDefaults = readLogFile(absolute, base,
                sitesElement.descendant("siteDefaults", "logFile"),
                new ServerConfig.LogFile(false, base.resolve("logs")));
        List<ServerConfig.Site> sites = new ArrayList<>();
        Map<String, XmlElement> names = new HashMap<>();
        Map<Long, XmlElement> ids = new HashMap<>();
        Map<String, String> bindingOwners = new HashMap<>();
        Map<String, XmlElement> listenerProtocols = new HashMap<>();
        long nextId = 1;
        for (XmlElement siteElement : sitesElement.children("site")) {
            ServerConfig.Site site = readSite(absolute, base, siteElement, nextId, logDefaults);
            nextId = Math.max(nextId, site.id()) + 1;
            XmlElement sameName = names.putIfAbsent(site.name().toLowerCase(Locale.ROOT), siteElement);
            if (sameName != null) {
                throw ConfigException.invalidAttribute(absolute, siteElement, "name", site.name(),
                        "a name no other <site> uses (the site on line " + sameName.line() + " has it)");
            }
            XmlElement sameId = ids.putIfAbsent(site.id(), siteElement);
            if (sameId != null) {
                throw ConfigException.invalidAttribute(absolute, siteElement, "id", String.valueOf(site.id()),
                        "an id no other <site> uses (the site on line " + sameId.line() + " has it)");
            }
            for (XmlElement bindingElement : bindingElements(siteElement)) {
                ServerConfig.Binding b = readBinding(absolute, bindingElement); // already valid: readSite read it
                String key = b.protocol() + ":" + b.address() + ":" + b.port() + ":"
                        + b.hostName().toLowerCase(Locale.ROOT);
                String owner = bindingOwners.putIfAbsent(key, site.name());
                if (owner != null) {
                    throw ConfigException.invalidAttribute(absolute, bindingElement, "bindingInformation",
                            bindingElement.attribute("bindingInformation"), "a binding no other binding uses (site '"
                            + owner + "' already has it)");
                }
                if (b.port() != 0) {
                    // One socket speaks TLS or it does not: http and https cannot share an address and port.
                    XmlElement other = listenerProtocols.putIfAbsent(b.address() + ":" + b.port(), bindingElement);
                    if (other != null && !other.attribute("protocol").equalsIgnoreCase(b.protocol())) {
                        throw ConfigException.invalidAttribute(absolute, bindingElement, "bindingInformation",
                                bindingElement.attribute("bindingInformation"), "a port that is not also used by an "
                                + other.attribute("protocol") + " binding (line " + other.line() + ")");
                    }
                    // One socket expects a PROXY protocol header on every connection or on none.
                    if (other != null && readBinding(absolute, other).proxyProtocol() != b.proxyProtocol()) {
                        throw ConfigException.invalidAttribute(absolute, bindingElement, "proxyProtocol",
                                String.valueOf(b.proxyProtocol()), "the same value as the binding on line "
                                + other.line() + ", which listens on the same address and port");
                    }
                }
            }
            sites.add(site);
        }
        if (sites.isEmpty()) {
            throw ConfigException.invalidElement(absolute, sitesElement, "no <site>; at least one is needed.");
        }
        RequestLimits limits = RequestLimits.DEFAULTS;
        XmlElement limitsElement = null;
        for (XmlElement webServer : WebConfigParser.systemWebServers(root)) {
            Optional<XmlElement> found = webServer.descendant("security", "requestFiltering", "requestLimits");
            if (found.isPresent()) {
                if (limitsElement != null) {
                    throw ConfigException.invalidElement(absolute, found.get(), "a second server-wide "
                            + "<requestLimits> (the first is on line " + limitsElement.line() + ").");
                }
                limitsElement = found.get();
                limits = WebConfigParser.readRequestLimits(absolute, limitsElement);
            }
        }
        ServerConfig.WebLimits webLimits = ServerConfig.WebLimits.DEFAULTS;
        Optional<XmlElement> webLimitsElement = appHost.child("webLimits");
        if (webLimitsElement.isPresent()) {
            webLimits = readWebLimits(absolute, webLimitsElement.get());
        }
        return new ServerConfig(absolute, sites, limits, webLimits, readSecurity(absolute, base, root));
    }

    /** The server-wide {@code system.webServer/security/access} and {@code .../authentication} sections. */
    private ServerConfig.Security readSecurity(Path file, Path base, XmlElement root) throws ConfigException {
        XmlElement accessElement = null;
        XmlElement authenticationElement = null;
        for (XmlElement webServer : WebConfigParser.systemWebServers(root)) {
            for (XmlElement security : webServer.children("security")) {
                for (XmlElement access : security.children("access")) {
                    if (accessElement != null) {
                        throw ConfigException.invalidElement(file, access, "a second server-wide <access> (the "
                                + "first is on line " + accessElement.line() + ").");
                    }
                    accessElement = access;
                }
                for (XmlElement authentication : security.children("authentication")) {
                    if (authenticationElement != null) {
                        throw ConfigException.invalidElement(file, authentication, "a second server-wide "
                                + "<authentication> (the first is on line " + authenticationElement.line() + ").");
                    }
                    authenticationElement = authentication;
                }
            }
        }
        ServerConfig.Access access = accessElement == null ? ServerConfig.Access.NONE
                : readAccess(file, base, accessElement);
        ServerConfig.Authentication authentication = authenticationElement == null
                ? ServerConfig.Authentication.ANONYMOUS : readAuthentication(file, base, authenticationElement);
        return new ServerConfig.Security(access, authentication);
    }

    private static final String SSL_FLAGS_ALLOWED = "None, or a comma-separated list of Ssl, SslNegotiateCert, "
            + "SslRequireCert, Ssl128 (as IIS writes it, e.g. \"Ssl, SslNegotiateCert, SslRequireCert\")";

    private ServerConfig.Access readAccess(Path file, Path base, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(ACCESS_ATTRIBUTES);
        String flags = a.string("sslFlags", "None");
        boolean ssl = false;
        boolean negotiate = false;
        boolean require = false;
        for (String token : flags.split(",", -1)) {
            String flag = token.strip();
            switch (flag.toLowerCase(Locale.ROOT)) {
                case "none", "" -> { }
                case "ssl" -> ssl = true;
                case "ssl128" -> ssl = true; // every cipher Porter offers has at least 128-bit keys
                case "sslnegotiatecert" -> negotiate = true;
                case "sslrequirecert" -> require = true;
                case "sslmapcert" -> throw a.outOfRange("sslFlags", flags, SSL_FLAGS_ALLOWED
                        + "; SslMapCert (client certificate mapping to Windows accounts) is not supported");
                default -> throw a.outOfRange("sslFlags", flags, SSL_FLAGS_ALLOWED);
            }
        }
        List<java.security.cert.X509Certificate> authorities = List.of();
        String caFile = a.string("clientCertificateAuthorities", null);
        if (caFile != null) {
            if (caFile.isBlank()) {
                throw a.outOfRange("clientCertificateAuthorities", caFile, "a PEM file of CA certificates "
                        + "(relative to porter.xml's folder)");
            }
            Path resolved = AppPaths.resolve(base, expander.expand(caFile));
            try {
                authorities = TlsFiles.readCertificates(resolved);
            } catch (TlsFiles.Problem e) {
                throw ConfigException.attributeProblem(file, element, "clientCertificateAuthorities",
                        e.getMessage() + ".");
            }
        }
        return new ServerConfig.Access(ssl, negotiate, require, authorities);
    }

    private ServerConfig.Authentication readAuthentication(Path file, Path base, XmlElement element)
            throws ConfigException {
        boolean anonymous = true;
        ServerConfig.BasicAuthentication basic = ServerConfig.BasicAuthentication.DISABLED;
        for (XmlElement child : element.children()) {
            switch (child.name()) {
                case "anonymousAuthentication" -> {
                    AttributeReader a = new AttributeReader(file, child).onlyKnown(ANONYMOUS_ATTRIBUTES);
                    anonymous = a.bool("enabled", true);
                }
                case "basicAuthentication" -> {
                    AttributeReader a = new AttributeReader(file, child).onlyKnown(BASIC_ATTRIBUTES);
                    boolean enabled = a.bool("enabled", false);
                    String realm = a.string("realm", "");
                    if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0
                            || realm.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                        throw a.outOfRange("realm", realm, "text without quotes, backslashes or control characters");
                    }
                    String userFile = a.string("userFile", null);
                    if (enabled && (userFile == null || userFile.isBlank())) {
                        throw ConfigException.attributeProblem(file, child, "userFile", "basicAuthentication is "
                                + "enabled but names no user file: Porter checks Basic credentials against an "
                                + "htpasswd file with bcrypt entries (htpasswd -B -c users.htpasswd alice), "
                                + "relative to porter.xml's folder.");
                    }
                    Path users = null;
                    Map<String, String> entries = Map.of();
                    if (userFile != null && !userFile.isBlank()) {
                        users = AppPaths.resolve(base, expander.expand(userFile));
                        entries = HtpasswdFile.read(users, file.getFileName() + " line " + child.line("userFile")
                                + " <basicAuthentication userFile>");
                    }
                    basic = new ServerConfig.BasicAuthentication(enabled, realm, users, entries);
                }
                default -> {
                    if (UNSUPPORTED_AUTHENTICATION.contains(child.name())) {
                        String enabled = child.attribute("enabled");
                        if (enabled != null && enabled.strip().equalsIgnoreCase("true")) {
                            throw ConfigException.attributeProblem(file, child, "enabled", "<" + child.name()
                                    + "> is not supported by Porter (Basic and anonymous are; Negotiate/Kerberos "
                                    + "is planned); set enabled=\"false\" or remove it.");
                        }
                    } else {
                        throw ConfigException.invalidElement(file, child, "unknown authentication element; "
                                + "allowed: anonymousAuthentication, basicAuthentication (and, disabled, "
                                + String.join(", ", UNSUPPORTED_AUTHENTICATION) + ").");
                    }
                }
            }
        }
        return new ServerConfig.Authentication(anonymous, basic);
    }

    private ServerConfig.LogFile readLogFile(Path file, Path base, Optional<XmlElement> element,
            ServerConfig.LogFile defaults) throws ConfigException {
        if (element.isEmpty()) {
            return defaults;
        }
        AttributeReader a = new AttributeReader(file, element.get()).onlyKnown(LOG_FILE_ATTRIBUTES);
        String format = a.string("logFormat", "W3C");
        if (!format.equalsIgnoreCase("W3C")) {
            throw a.outOfRange("logFormat", format, "W3C (the only format Porter writes)");
        }
        String periodText = a.string("period", defaults.period().configValue());
        ServerConfig.LogFile.Period period = ServerConfig.LogFile.Period.parse(periodText);
        if (period == null) {
            throw a.outOfRange("period", periodText, "Hourly, Daily, Weekly, Monthly or MaxSize");
        }
        long truncateSize = a.unsigned("truncateSize", defaults.truncateSize(),
                ServerConfig.LogFile.MIN_TRUNCATE_SIZE, ServerConfig.LogFile.MAX_TRUNCATE_SIZE, "bytes");
        String directory = a.string("directory", null);
        if (directory != null && directory.isBlank()) {
            throw a.outOfRange("directory", directory, "a directory path (relative to porter.xml's folder)");
        }
        return new ServerConfig.LogFile(a.bool("enabled", defaults.enabled()),
                directory == null ? defaults.directory() : AppPaths.resolve(base, expander.expand(directory)),
                period, truncateSize, a.bool("localTimeRollover", defaults.localTimeRollover()));
    }

    private ServerConfig.Site readSite(Path file, Path base, XmlElement element, long defaultId,
            ServerConfig.LogFile logDefaults) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(SITE_ATTRIBUTES);
        String name = a.required("name");
        long id = a.unsigned("id", defaultId, 1, 4_294_967_295L);
        a.bool("serverAutoStart", true);
        List<ServerConfig.Binding> bindings = new ArrayList<>();
        List<ServerConfig.Binding> httpsBindings = new ArrayList<>();
        for (XmlElement b : bindingElements(element)) {
            ServerConfig.Binding binding = readBinding(file, b);
            if (binding.isHttps()) {
                httpsBindings.add(withCertificate(file, base, b, binding));
            } else {
                bindings.add(binding);
            }
        }
        if (bindings.isEmpty() && httpsBindings.stream().noneMatch(b -> b.certificate() != null)) {
            throw ConfigException.invalidElement(file, element, "site '" + name + "' has no binding Porter serves"
                    + (httpsBindings.isEmpty() ? "" : " (its https bindings name no certificateFile)")
                    + "; add <bindings><binding protocol=\"http\" bindingInformation=\"*:8080:\"/></bindings>, or "
                    + "certificateFile=\"cert.pem\" keyFile=\"key.pem\" on an https binding.");
        }
        List<ServerConfig.Application> applications = new ArrayList<>();
        Map<String, XmlElement> paths = new HashMap<>();
        for (XmlElement appElement : element.children("application")) {
            ServerConfig.Application app = readApplication(file, base, appElement);
            XmlElement same = paths.putIfAbsent(app.path().toLowerCase(Locale.ROOT), appElement);
            if (same != null) {
                throw ConfigException.invalidAttribute(file, appElement, "path", app.path(),
                        "a virtual path no other <application> of site '" + name + "' uses (the one on line "
                                + same.line() + " has it; paths compare case-insensitively)");
            }
            applications.add(app);
        }
        if (applications.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "site '" + name + "' has no <application path=\"/\">"
                    + "<virtualDirectory path=\"/\" physicalPath=\"...\"/></application>.");
        }
        ServerConfig.LogFile log = readLogFile(file, base, element.child("logFile"), logDefaults);
        return new ServerConfig.Site(name, id, bindings, applications, log, httpsBindings);
    }

    /** The site's http and https binding elements, in order; WAS's non-HTTP bindings are skipped. */
    private static List<XmlElement> bindingElements(XmlElement site) {
        List<XmlElement> result = new ArrayList<>();
        for (XmlElement bindingsElement : site.children("bindings")) {
            for (XmlElement b : bindingsElement.children("binding")) {
                String protocol = b.attribute("protocol");
                if (protocol == null || !NON_HTTP_PROTOCOLS.contains(protocol.toLowerCase(Locale.ROOT))) {
                    result.add(b);
                }
            }
        }
        return result;
    }

    /**
     * An https binding's certificate: {@code certificateFile} (PEM chain) with {@code keyFile} (PEM key; absent: the
     * key is in the certificate file), or a PKCS#12 store ({@code .p12}/{@code .pfx}) with
     * {@code certificatePassword}. Without {@code certificateFile} the binding is not served.
     */
    private ServerConfig.Binding withCertificate(Path file, Path base, XmlElement element,
            ServerConfig.Binding binding) throws ConfigException {
        String certificateFile = element.attribute("certificateFile");
        if (certificateFile == null) {
            return binding;
        }
        if (certificateFile.isBlank()) {
            throw ConfigException.invalidAttribute(file, element, "certificateFile", certificateFile,
                    "a PEM certificate chain or a PKCS#12 store (.p12, .pfx), relative to porter.xml's folder");
        }
        Path certificatePath = AppPaths.resolve(base, expander.expand(certificateFile));
        String keyFile = element.attribute("keyFile");
        String origin = file.getFileName() + " line " + element.line("certificateFile") + " <binding certificateFile>";
        try {
            if (TlsFiles.isPkcs12(certificatePath)) {
                if (keyFile != null) {
                    throw ConfigException.attributeProblem(file, element, "keyFile", "a PKCS#12 store ("
                            + certificateFile + ") holds its key; keyFile is for PEM certificates only.");
                }
                TlsFiles.KeyAndChain store = TlsFiles.readPkcs12(certificatePath,
                        element.attribute("certificatePassword"));
                return new ServerConfig.Binding(binding.protocol(), binding.address(), binding.port(),
                        binding.hostName(), new ServerConfig.TlsCertificate(certificatePath, origin, store.chain(),
                                store.key()), binding.proxyProtocol());
            }
        } catch (TlsFiles.Problem e) {
            throw ConfigException.attributeProblem(file, element, "certificateFile", e.getMessage() + ".");
        }
        java.util.List<java.security.cert.X509Certificate> chain;
        try {
            chain = TlsFiles.readCertificates(certificatePath);
        } catch (TlsFiles.Problem e) {
            throw ConfigException.attributeProblem(file, element, "certificateFile", e.getMessage() + ".");
        }
        String keyAttribute = keyFile == null ? "certificateFile" : "keyFile";
        Path keyPath = keyFile == null ? certificatePath : AppPaths.resolve(base, expander.expand(keyFile));
        try {
            java.security.PrivateKey key = TlsFiles.readPemKey(keyPath);
            TlsFiles.checkPair(key, chain.getFirst(), keyPath);
            return new ServerConfig.Binding(binding.protocol(), binding.address(), binding.port(), binding.hostName(),
                    new ServerConfig.TlsCertificate(certificatePath, origin, chain, key), binding.proxyProtocol());
        } catch (TlsFiles.Problem e) {
            throw ConfigException.attributeProblem(file, element, keyAttribute, e.getMessage()
                    + (keyFile == null ? " (give the key in keyFile=\"key.pem\")" : "") + ".");
        }
    }

    static ServerConfig.Binding readBinding(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(BINDING_ATTRIBUTES);
        String protocol = a.required("protocol").toLowerCase(Locale.ROOT);
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw a.outOfRange("protocol", a.string("protocol", ""), "http or https ("
                    + String.join(", ", NON_HTTP_PROTOCOLS) + " bindings are ignored)");
        }
        if (protocol.equals("http")) {
            for (String tlsOnly : new String[] {"certificateFile", "keyFile", "certificatePassword"}) {
                if (element.attribute(tlsOnly) != null) {
                    throw ConfigException.attributeProblem(file, element, tlsOnly, "only an https binding has a "
                            + "certificate.");
                }
            }
        }
        a.unsigned("sslFlags", 0, 0, Integer.MAX_VALUE);
        String info = a.required("bindingInformation");
        int lastColon = info.lastIndexOf(':');
        if (lastColon < 0) {
            throw a.outOfRange("bindingInformation", info, BINDING_ALLOWED);
        }
        String host = info.substring(lastColon + 1);
        String addressAndPort = info.substring(0, lastColon);
        int portColon = addressAndPort.lastIndexOf(':');
        if (portColon < 0) {
            throw a.outOfRange("bindingInformation", info, BINDING_ALLOWED);
        }
        String address = addressAndPort.substring(0, portColon);
        String portText = addressAndPort.substring(portColon + 1);
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(portText) > 65535) {
            throw a.outOfRange("bindingInformation", info, BINDING_ALLOWED);
        }
        int port = Integer.parseInt(portText);
        if (address.isEmpty() || address.equals("*")) {
            address = "*";
        } else {
            boolean bracketed = address.startsWith("[") && address.endsWith("]");
            if (bracketed) {
                address = address.substring(1, address.length() - 1);
            }
            if (address.contains(":") != bracketed || !isIpLiteral(address)) {
                throw a.outOfRange("bindingInformation", info, BINDING_ALLOWED);
            }
        }
        if (!host.equals("*") && !host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-'
                || c == '_')) {
            throw a.outOfRange("bindingInformation", info, BINDING_ALLOWED);
        }
        return new ServerConfig.Binding(protocol, address, port, host.equals("*") ? "" : host, null,
                a.bool("proxyProtocol", false));
    }

    static boolean isIpLiteral(String address) {
        if (!address.matches("[0-9a-fA-F:.%]+") || !(address.contains(".") || address.contains(":"))) {
            return false;
        }
        if (!address.contains(":") && address.split("\\.", -1).length != 4) {
            return false; // InetAddress accepts BSD shorthands such as 127.1; IIS does not
        }
        try {
            InetAddress.getByName(address); // a literal never causes a lookup
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private ServerConfig.Application readApplication(Path file, Path base, XmlElement element)
            throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(APPLICATION_ATTRIBUTES);
        String path = a.required("path");
        if (!path.startsWith("/") || (path.length() > 1 && path.endsWith("/")) || path.contains("//")
                || path.contains("?") || path.contains("%") || path.contains("\\") || path.contains("/./")
                || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")) {
            throw a.outOfRange("path", path, "\"/\" or a virtual path such as \"/api\" (starts with /, no trailing /, "
                    + "no ?, %, \\ or dot segments)");
        }
        boolean preloadEnabled = a.bool("preloadEnabled", false);
        boolean disallowOverlappingRotation = a.bool("disallowOverlappingRotation", false);
        int queueLength = a.unsignedInt("queueLength", ServerConfig.Application.DEFAULT_QUEUE_LENGTH, 1,
                ServerConfig.Application.MAX_QUEUE_LENGTH, " (requests the application may hold at once)");
        a.bool("serviceAutoStartEnabled", false);
        XmlElement physicalOwner = element;
        String physical = element.attribute("physicalPath");
        for (XmlElement vdir : element.children("virtualDirectory")) {
            AttributeReader v = new AttributeReader(file, vdir).onlyKnown(VIRTUAL_DIRECTORY_ATTRIBUTES);
            String vpath = v.required("path");
            if (!vpath.equals("/")) {
                throw v.outOfRange("path", vpath, "\"/\" (Porter serves an application from its root virtual "
                        + "directory only; make \"" + path + (path.endsWith("/") ? "" : "/") + vpath.substring(1)
                        + "\" an <application> of its own)");
            }
            String vphysical = v.required("physicalPath");
            if (physical != null) {
                throw ConfigException.attributeProblem(file, vdir, "physicalPath", "application '" + path
                        + "' already has physicalPath '" + physical + "' (line " + physicalOwner.line("physicalPath")
                        + "); give it in one place only.");
            }
            physical = vphysical;
            physicalOwner = vdir;
        }
        if (physical == null || physical.isEmpty()) {
            throw ConfigException.invalidElement(file, element, "application '" + path + "' needs "
                    + "<virtualDirectory path=\"/\" physicalPath=\"...\"/> (or physicalPath=\"...\" on "
                    + "<application>).");
        }
        Path resolved = AppPaths.resolve(base, expander.expand(physical));
        if (!Files.isDirectory(resolved)) {
            boolean drive = physical.length() >= 2 && physical.charAt(1) == ':'
                    && Character.isLetter(physical.charAt(0));
            throw ConfigException.invalidAttribute(file, physicalOwner, "physicalPath", physical,
                    "an existing directory (it resolved to " + resolved + ", which "
                            + (Files.exists(resolved) ? "is not a directory" : "does not exist")
                            + (drive ? "; a Windows drive path means nothing here: give a path on this machine, "
                                    + "absolute or relative to this file" : "") + ")");
        }
        return new ServerConfig.Application(path, resolved, preloadEnabled, disallowOverlappingRotation,
                queueLength);
    }

    private static ServerConfig.WebLimits readWebLimits(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(WEB_LIMITS_ATTRIBUTES);
        ServerConfig.WebLimits d = ServerConfig.WebLimits.DEFAULTS;
        Duration max = Duration.ofDays(1);
        return new ServerConfig.WebLimits(a.timeSpan("connectionTimeout", d.connectionTimeout(), max),
                a.timeSpan("headerWaitTimeout", d.headerWaitTimeout(), max),
                a.unsignedInt("maxRequestBytes", d.maxRequestBytes(), 1024, 16 * 1024 * 1024, " (bytes)"),
                a.bool("http2Cleartext", d.http2Cleartext()),
                a.unsignedInt("http2MaxConcurrentStreams", d.http2MaxConcurrentStreams(), 1, 10_000, " (streams)"),
                a.unsigned("minBytesPerSecond", d.minBytesPerSecond(), 0,
                        ServerConfig.WebLimits.MAX_MIN_BYTES_PER_SECOND, " (bytes per second; 0 disables)"),
                a.bool("underscoresInHeaders", d.underscoresInHeaders()));
    }
}
