package dev.porter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Reads an application's web.config: {@code system.webServer/aspNetCore} (spec/ancm-contract.md §4) and
 * {@code system.webServer/security/requestFiltering/requestLimits}. Accepts what {@code dotnet publish} writes,
 * including the {@code <location path="." inheritInChildApplications="false">} wrapper.
 */
public final class WebConfigParser {

    static final Set<String> ASPNETCORE_ATTRIBUTES = Set.of("processPath", "arguments", "startupTimeLimit",
            "shutdownTimeLimit", "rapidFailsPerMinute", "requestTimeout", "stdoutLogEnabled", "stdoutLogFile",
            "processesPerApplication", "forwardWindowsAuthToken", "disableStartUpErrorPage", "hostingModel");

    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(1_296_000);

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
        XmlElement webServer = systemWebServer(file, root);
        XmlElement aspNetCore = webServer == null ? null : webServer.child("aspNetCore").orElse(null);
        if (aspNetCore == null) {
            throw new ConfigException(file, "no <system.webServer><aspNetCore> section; Porter needs one to know how to "
                    + "start the application (at least processPath).");
        }
        Optional<RequestLimits> limits = Optional.empty();
        Optional<XmlElement> limitsElement = webServer.descendant("security", "requestFiltering", "requestLimits");
        if (limitsElement.isPresent()) {
            limits = Optional.of(readRequestLimits(file, limitsElement.get()));
        }
        return new WebConfig(file, readAspNetCore(file, aspNetCore), limits);
    }

    /** {@code configuration/system.webServer}, directly or inside a {@code <location path=".">} (or path="") wrapper. */
    private static XmlElement systemWebServer(Path file, XmlElement root) throws ConfigException {
        XmlElement found = root.child("system.webServer").orElse(null);
        for (XmlElement location : root.children("location")) {
            String path = location.attribute("path");
            if (path == null || path.isEmpty() || path.equals(".")) {
                Optional<XmlElement> inner = location.child("system.webServer");
                if (inner.isPresent() && inner.get().child("aspNetCore").isPresent()) {
                    if (found != null && found.child("aspNetCore").isPresent()) {
                        throw ConfigException.invalidElement(file, inner.get().child("aspNetCore").get(),
                                "a second <aspNetCore> section; there must be exactly one.");
                    }
                    found = inner.get();
                }
            }
        }
        return found;
    }

    private AspNetCoreConfig readAspNetCore(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element).onlyKnown(ASPNETCORE_ATTRIBUTES);
        String hostingModelValue = a.string("hostingModel", "");
        HostingModel hostingModel = HostingModel.parse(hostingModelValue).orElseThrow(() -> new ConfigException(file,
                "line " + element.line() + ": <aspNetCore> attribute 'hostingModel': Unknown hosting model '"
                        + hostingModelValue + "'. Please specify either hostingModel=\"inprocess\" or "
                        + "hostingModel=\"outofprocess\" in the web.config file."));
        String processPath = expander.expand(a.required("processPath"));
        return new AspNetCoreConfig(
                processPath,
                expander.expand(a.string("arguments", "")),
                Duration.ofSeconds(a.unsigned("startupTimeLimit", 120, 0, 3600)),
                Duration.ofSeconds(a.unsigned("shutdownTimeLimit", 10, 0, 600)),
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
        // Case-insensitive names; the last duplicate wins, with the spelling it was written in.
        LinkedHashMap<String, Map.Entry<String, String>> byFoldedName = new LinkedHashMap<>();
        for (XmlElement collection : aspNetCore.children("environmentVariables")) {
            for (XmlElement entry : collection.children()) {
                if (!entry.name().equals("environmentVariable")) {
                    throw ConfigException.invalidElement(file, entry, "Unable to get required configuration section "
                            + "'system.webServer/aspNetCore'. Possible reason is web.config authoring error. "
                            + "<environmentVariables> holds only <environmentVariable name=\"...\" value=\"...\"/> "
                            + "elements" + (entry.name().equals("add") ? " (not <add>)." : "."));
                }
                AttributeReader a = new AttributeReader(file, entry).onlyKnown(Set.of("name", "value"));
                String name = a.required("name");
                String folded = name.toLowerCase(Locale.ROOT);
                byFoldedName.remove(folded);
                byFoldedName.put(folded, Map.entry(name, expander.expand(a.string("value", ""))));
            }
        }
        LinkedHashMap<String, String> ordered = new LinkedHashMap<>();
        byFoldedName.values().forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    private static Map<String, String> readHandlerSettings(Path file, XmlElement aspNetCore) throws ConfigException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (XmlElement collection : aspNetCore.children("handlerSettings")) {
            for (XmlElement entry : collection.children()) {
                if (!entry.name().equals("handlerSetting")) {
                    throw ConfigException.invalidElement(file, entry, "<handlerSettings> holds only "
                            + "<handlerSetting name=\"...\" value=\"...\"/> elements.");
                }
                AttributeReader a = new AttributeReader(file, entry).onlyKnown(Set.of("name", "value"));
                settings.putIfAbsent(a.required("name").toLowerCase(Locale.ROOT), a.string("value", ""));
            }
        }
        return settings;
    }

    static RequestLimits readRequestLimits(Path file, XmlElement element) throws ConfigException {
        AttributeReader a = new AttributeReader(file, element)
                .onlyKnown(Set.of("maxAllowedContentLength", "maxUrl", "maxQueryString"));
        return new RequestLimits(
                a.unsigned("maxAllowedContentLength", RequestLimits.DEFAULT_MAX_ALLOWED_CONTENT_LENGTH, 0, 4_294_967_295L),
                a.unsignedInt("maxUrl", RequestLimits.DEFAULT_MAX_URL, 0, Integer.MAX_VALUE),
                a.unsignedInt("maxQueryString", RequestLimits.DEFAULT_MAX_QUERY_STRING, 0, Integer.MAX_VALUE));
    }
}
