package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Reads an application's web.config: {@code system.webServer/aspNetCore} (spec/ancm-contract.md §4) and
 * {@code system.webServer/security/requestFiltering/requestLimits}. Accepts what {@code dotnet publish} writes: the
 * {@code <location path="." inheritInChildApplications="false">} wrapper, the {@code <handlers>} registration of
 * AspNetCoreModuleV2, XML Document Transform attributes, comments, a byte-order mark, CRLF. Other sections are IIS's
 * or ASP.NET's and are ignored.
 *
 * <p>{@code processPath}, {@code arguments}, {@code stdoutLogFile} ({@code expanded="true"} in ANCM's schema) and the
 * environment variable values (§1.2 step 4) are {@code %VAR%}-expanded against the server's environment.
 */
public final class WebConfigParser {

    static final Set<String> ASPNETCORE_ATTRIBUTES = Set.of("processPath", "arguments", "startupTimeLimit",
            "shutdownTimeLimit", "rapidFailsPerMinute", "requestTimeout", "stdoutLogEnabled", "stdoutLogFile",
            "processesPerApplication", "forwardWindowsAuthToken", "disableStartUpErrorPage", "hostingModel");

    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofDays(15); // IIS timespan range: 360:00:00

    /**
     * The {@code debugLevel} words of §4; a token counts when it starts with one of them, case-insensitively (ANCM's
     * {@code SetDebugFlags} compares each comma-separated token's prefix). Porter differs on purpose in two ways: it
     * trims the tokens ({@code "FILE, TRACE"}: ANCM silently ignores {@code " TRACE"}), and it refuses a token that
     * matches no word instead of ignoring it, so a typo does not switch diagnostics off unnoticed.
     */
    static final List<String> DEBUG_LEVEL_WORDS = List.of("error", "warning", "info", "trace", "console", "file",
            "eventlog");

    /** IIS's {@code system.webServer/webSocket}; only {@code enabled} has a meaning here. */
    static final Set<String> WEB_SOCKET_ATTRIBUTES = Set.of("enabled", "receiveBufferLimit", "pingInterval");
    private static final String AUTHORING_ERROR = "Unable to get required configuration section "
            + "'system.webServer/aspNetCore'. Possible reason is web.config authoring error.";

    private final EnvironmentExpander expander;

    public WebConfigParser(EnvironmentExpander expander) {
        this.expander = expander;
    }

    public WebConfigParser() {
        this(EnvironmentExpander.ofSystem());
    }

    public WebConfig parse(Path file) throws ConfigException {
        XmlElement root = XmlReader.read(file);
        if (!root.name().equals("configuration")) {
            throw ConfigException.invalidElement(file, root, "the root element must be <configuration>.");
        }
        List<XmlElement> webServers = systemWebServers(root);
        XmlElement aspNetCore = single(file, webServers, "aspNetCore");
        if (aspNetCore == null) {
            throw new ConfigException(file, "no <system.webServer><aspNetCore> section; Porter needs one to know how "
                    + "to start the application (at least processPath).");
        }
        for (XmlElement webServer : webServers) {
            for (XmlElement security : webServer.children("security")) {
                for (String locked : new String[] {"authentication", "access"}) {
                    for (XmlElement section : security.children(locked)) {
                        // IIS locks these at server level (overrideModeDefault="Deny": HTTP 500.19). Ignoring one
                        // silently could serve anonymously what the app meant to protect.
                        throw ConfigException.invalidElement(file, section, "this section is locked at server level "
                                + "(as in IIS, where it is a 500.19): Porter applies <security><" + locked + "> "
                                + "server-wide; move it to porter.xml's <system.webServer>.");
                    }
                }
            }
        }
        List<XmlElement> limitsSections = new ArrayList<>();
        for (XmlElement webServer : webServers) {
            webServer.descendant("security", "requestFiltering").ifPresent(filtering ->
                    limitsSections.addAll(filtering.children("requestLimits")));
        }
        if (limitsSections.size() > 1) {
            throw ConfigException.invalidElement(file, limitsSections.get(1),
                    "a second <requestLimits> section for this application; there must be at most one.");
        }
        Optional<RequestLimits> limits = Optional.empty();
        if (!limitsSections.isEmpty()) {
            limits = Optional.of(readRequestLimits(file, limitsSections.getFirst()));
        }
        boolean webSocketEnabled = true;
        XmlElement webSocket = single(file, webServers, "webSocket");
        if (webSocket != null) {
            webSocketEnabled = new AttributeReader(file, webSocket).onlyKnown(WEB_SOCKET_ATTRIBUTES)
                    .bool("enabled", true);
        }
        return new WebConfig(file, readAspNetCore(file, aspNetCore), limits, webSocketEnabled);
    }

    /**
     * Every {@code system.webServer} that applies to the application itself: directly under {@code <configuration>},
     * or in a {@code <location>} whose path is {@code .}, empty or absent. Locations for sub-paths are ignored.
     */
    static List<XmlElement> systemWebServers(XmlElement root) {
        List<XmlElement> found = new ArrayList<>(root.children("system.webServer"));
        for (XmlElement location : root.children("location")) {
            String path = location.attribute("path");
            if (path == null || path.isEmpty() || path.equals(".")) {
                found.addAll(location.children("system.webServer"));
            }
        }
        return found;
    }

    /** The one child called {@code name} across the sections; a second one is an error, as in IIS. */
    private static XmlElement single(Path file, List<XmlElement> sections, String name) throws ConfigException {
        XmlElement found = null;
        for (XmlElement section : sections) {
            for (XmlElement candidate : section.children(name)) {
                if (found != null) {
                    throw ConfigException.invalidElement(file, candidate, "a second <" + name + "> section (the first "
                            + "is on line " + found.line() + "); there must be exactly one.");
                }
                found = candidate;
            }
        }
        return found;
    }

    private AspNetCoreConfig readAspNetCore(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(ASPNETCORE_ATTRIBUTES);
        String hostingModelValue = a.string("hostingModel", "");
        HostingModel hostingModel = HostingModel.parse(hostingModelValue).orElseThrow(() ->
                ConfigException.attributeProblem(file, element, "hostingModel", "Unknown hosting model '"
                        + hostingModelValue + "'. Please specify either hostingModel=\"inprocess\" or "
                        + "hostingModel=\"outofprocess\" in the web.config file."));
        String processPath = expander.expand(a.required("processPath"));
        return new AspNetCoreConfig(
                processPath,
                expander.expand(a.string("arguments", "")),
                Duration.ofSeconds(a.unsigned("startupTimeLimit", 120, 0, 3600, " (seconds)")),
                Duration.ofSeconds(a.unsigned("shutdownTimeLimit", 10, 0, 600, " (seconds)")),
                a.unsignedInt("rapidFailsPerMinute", 10, 0, 100),
                a.timeSpan("requestTimeout", Duration.ofMinutes(2), MAX_REQUEST_TIMEOUT),
                a.bool("stdoutLogEnabled", false),
                expander.expand(a.string("stdoutLogFile", AspNetCoreConfig.DEFAULT_STDOUT_LOG_FILE)),
                a.unsignedInt("processesPerApplication", 1, 1, 100),
                a.bool("forwardWindowsAuthToken", true),
                a.bool("disableStartUpErrorPage", false),
                hostingModel,
                readEnvironmentVariables(file, element),
                readHandlerSettings(file, element));
    }

    private SequencedMap<String, String> readEnvironmentVariables(Path file, XmlElement aspNetCore)
            throws ConfigException {
        // Case-insensitive names; the last duplicate wins (ANCM's insert_or_assign), with the spelling it was
        // written in, at the place it was last written.
        LinkedHashMap<String, Map.Entry<String, String>> byFoldedName = new LinkedHashMap<>();
        for (XmlElement collection : aspNetCore.children("environmentVariables")) {
            new AttributeReader(file, collection).onlyKnown(Set.of());
            for (XmlElement entry : collection.children()) {
                if (entry.name().equals("clear")) {
                    new AttributeReader(file, entry).onlyKnown(Set.of());
                    byFoldedName.clear();
                    continue;
                }
                if (!entry.name().equals("environmentVariable")) {
                    throw ConfigException.invalidElement(file, entry, AUTHORING_ERROR + " <environmentVariables> "
                            + "holds <environmentVariable name=\"...\" value=\"...\"/> entries"
                            + (entry.name().equals("add") ? ", not <add>." : "."));
                }
                AttributeReader a = new AttributeReader(file, entry).onlyKnown(Set.of("name", "value"));
                String name = a.required("name");
                String value = requiredMaybeEmpty(file, entry, "value");
                String folded = name.toLowerCase(Locale.ROOT);
                byFoldedName.remove(folded);
                byFoldedName.put(folded, Map.entry(name, expander.expand(value)));
            }
        }
        LinkedHashMap<String, String> ordered = new LinkedHashMap<>();
        byFoldedName.values().forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    private static Map<String, String> readHandlerSettings(Path file, XmlElement aspNetCore) throws ConfigException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (XmlElement collection : aspNetCore.children("handlerSettings")) {
            new AttributeReader(file, collection).onlyKnown(Set.of());
            for (XmlElement entry : collection.children()) {
                if (entry.name().equals("clear")) {
                    new AttributeReader(file, entry).onlyKnown(Set.of());
                    settings.clear();
                    continue;
                }
                if (!entry.name().equals("handlerSetting")) {
                    throw ConfigException.invalidElement(file, entry, AUTHORING_ERROR + " <handlerSettings> holds "
                            + "<handlerSetting name=\"...\" value=\"...\"/> entries"
                            + (entry.name().equals("add") ? ", not <add>." : "."));
                }
                AttributeReader a = new AttributeReader(file, entry).onlyKnown(Set.of("name", "value"));
                String name = a.required("name").toLowerCase(Locale.ROOT);
                String value = requiredMaybeEmpty(file, entry, "value");
                if (!settings.containsKey(name)) {
                    validateHandlerSetting(a, name, value);
                    settings.put(name, value); // ANCM: the first of duplicate names wins
                }
            }
        }
        return settings;
    }

    /** The handler settings §4 gives a type; the others are free text, read the way ANCM reads them. */
    private static void validateHandlerSetting(AttributeReader a, String name, String value) throws ConfigException {
        switch (name) {
            case "debuglevel" -> {
                for (String token : value.split(",", -1)) {
                    String t = token.trim().toLowerCase(Locale.ROOT);
                    if (!t.isEmpty() && DEBUG_LEVEL_WORDS.stream().noneMatch(t::startsWith)) {
                        throw handlerSettingOutOfRange(a, name, value, "a comma-separated list of "
                                + String.join(", ", DEBUG_LEVEL_WORDS) + " (case-insensitive; '" + token.trim()
                                + "' is none of them)");
                    }
                }
            }
            // Validated as ANCM does (a negative value is a configuration error), used nowhere: ANCM waits this long
            // after IIS stops listening so that requests queue for the next worker process. Porter's server is that
            // worker and outlives an app's recycle, which by default overlaps the old and new incarnations; a stop
            // of the server itself has <node drainTime>.
            case "shutdowndelay" -> parseHandlerNumber(a, name, value, 10,
                    "a whole number of milliseconds from 0 to " + Integer.MAX_VALUE);
            case "stacksize" -> {
                String v = value.trim();
                boolean hex = v.regionMatches(true, 0, "0x", 0, 2);
                long size = parseHandlerNumber(a, name, hex ? v.substring(2) : v, hex ? 16 : 10,
                        "a stack size in bytes, decimal (1048576) or hexadecimal (0x100000), greater than 0");
                if (size == 0) {
                    throw handlerSettingOutOfRange(a, name, value,
                            "a stack size in bytes, decimal (1048576) or hexadecimal (0x100000), greater than 0");
                }
            }
            case "rapidfailprotectionmaxcrashes" -> {
                if (parseHandlerNumber(a, name, value, 10, "a whole number of failures from 0 (off) to 1000")
                        > 1000) {
                    throw handlerSettingOutOfRange(a, name, value, "a whole number of failures from 0 (off) to 1000");
                }
            }
            case "rapidfailprotectioninterval" -> {
                String allowed = "an IIS time span ([d.]hh:mm:ss) from 00:00:01 to 1.00:00:00";
                try {
                    java.time.Duration interval = TimeSpan.parse(value);
                    if (interval.compareTo(java.time.Duration.ofSeconds(1)) < 0
                            || interval.compareTo(java.time.Duration.ofDays(1)) > 0) {
                        throw handlerSettingOutOfRange(a, name, value, allowed);
                    }
                } catch (IllegalArgumentException e) {
                    throw handlerSettingOutOfRange(a, name, value, allowed);
                }
            }
            case "forwardedheaders" -> {
                // Porter's own setting (beyond ANCM): which forwarding headers an out-of-process app gets
                String v = value.trim().toLowerCase(Locale.ROOT);
                if (!v.equals("ancm") && !v.equals("standard") && !v.equals("rfc7239")) {
                    throw handlerSettingOutOfRange(a, name, value, "ancm (the default: X-Forwarded-For as ip:port, "
                            + "appended), standard (X-Forwarded-For/-Proto/-Host/-Port/-Prefix, replaced) or rfc7239 "
                            + "(standard plus Forwarded), case-insensitive");
                }
            }
            case "debugfile", "shadowcopydirectory", "handlerversion" -> {
                if (value.isBlank()) {
                    throw handlerSettingOutOfRange(a, name, value, "a non-empty value");
                }
            }
            default -> {
                // free text: ANCM compares with "true"/"false" and treats everything else as the default
            }
        }
    }

    private static long parseHandlerNumber(AttributeReader a, String name, String digits, int radix, String allowed)
            throws ConfigException {
        try {
            long parsed = Long.parseLong(digits.trim(), radix);
            if (parsed < 0 || parsed > Integer.MAX_VALUE || digits.trim().startsWith("+")) {
                throw handlerSettingOutOfRange(a, name, a.string("value", ""), allowed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw handlerSettingOutOfRange(a, name, a.string("value", ""), allowed);
        }
    }

    private static ConfigException handlerSettingOutOfRange(AttributeReader a, String name, String value,
            String allowed) {
        XmlElement e = a.element();
        return new ConfigException(a.file(), "line " + e.line("value") + ": <handlerSetting name=\""
                + e.attribute("name") + "\"> attribute 'value' has invalid value '" + value + "'; allowed for "
                + name + ": " + allowed + ".");
    }

    /** Required by ANCM's schema, but an empty value is a value ({@code value=""} sets an empty variable). */
    private static String requiredMaybeEmpty(Path file, XmlElement entry, String attribute) throws ConfigException {
        String value = entry.attribute(attribute);
        if (value == null) {
            throw ConfigException.invalidElement(file, entry, "Attribute '" + attribute + "' is required"
                    + (entry.attribute("name") == null ? "." : " (entry '" + entry.attribute("name") + "')."));
        }
        return value;
    }

    static RequestLimits readRequestLimits(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element)
                .onlyKnown(Set.of("maxAllowedContentLength", "maxUrl", "maxQueryString"));
        return new RequestLimits(
                a.unsigned("maxAllowedContentLength", RequestLimits.DEFAULT_MAX_ALLOWED_CONTENT_LENGTH, 0,
                        4_294_967_295L, " (bytes)"),
                a.unsignedInt("maxUrl", RequestLimits.DEFAULT_MAX_URL, 0, Integer.MAX_VALUE, " (characters)"),
                a.unsignedInt("maxQueryString", RequestLimits.DEFAULT_MAX_QUERY_STRING, 0, Integer.MAX_VALUE,
                        " (characters)"));
    }
}
