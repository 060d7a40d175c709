package dev.porter.server;

import dev.porter.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Binding, then site, then application: a request goes to the site whose binding matches the local port, address and
 * {@code Host} (most specific binding first, as http.sys orders them), then to the application with the longest
 * virtual-path prefix on a segment boundary ({@code /app} matches {@code /app} and {@code /app/x}, never
 * {@code /apple}); paths compare case-insensitively, as in IIS. Built at start; a live porter.xml change swaps its
 * whole table at once ({@link #replaceRoutes}), so connections that are open keep their router and see the new one.
 */
public final class Router {

    /** @param address the bound address, parsed once; null for any address */
    private record SiteBinding(ServerConfig.Binding binding, InetAddress address, SiteRoutes site) {
        int specificity() {
            return (binding.anyHost() ? 0 : 2) + (binding.anyAddress() ? 0 : 1);
        }
    }

    /**
     * A site's routes, longest virtual path first, each also as the Optional {@link #route} returns: made once here,
     * so routing a request allocates nothing.
     */
    private record SiteRoutes(List<Route> routesLongestFirst, List<Optional<Route>> found) {
        SiteRoutes(List<Route> routesLongestFirst) {
            this(routesLongestFirst, routesLongestFirst.stream().map(Optional::of).toList());
        }
    }

    private volatile List<SiteBinding> bindings;

    public Router(List<ServerConfig.Site> sites,
            BiFunction<ServerConfig.Site, ServerConfig.Application, RequestHandler> handlers) {
        List<SiteBinding> all = new ArrayList<>();
        for (ServerConfig.Site site : sites) {
            List<Route> routes = new ArrayList<>();
            for (ServerConfig.Application app : site.applications()) {
                routes.add(new Route(site, app, handlers.apply(site, app)));
            }
            routes.sort(Comparator.comparingInt((Route r) -> r.application().path().length()).reversed());
            SiteRoutes siteRoutes = new SiteRoutes(List.copyOf(routes));
            for (ServerConfig.Binding binding : site.bindings()) {
                all.add(new SiteBinding(binding, parse(binding), siteRoutes));
            }
            for (ServerConfig.Binding binding : site.servedHttpsBindings()) {
                all.add(new SiteBinding(binding, parse(binding), siteRoutes));
            }
        }
        all.sort(Comparator.comparingInt(SiteBinding::specificity).reversed());
        this.bindings = List.copyOf(all);
    }

    /** Takes the routes of {@code next} (a live porter.xml change): requests routed from now on use them. */
    public void replaceRoutes(Router next) {
        this.bindings = next.bindings;
    }

    /**
     * The route of a request that arrived on {@code local}: the binding's site by host name, then the application with
     * the longest matching virtual path.
     *
     * @param hostHeader the {@code Host} header, possibly with a port; null or empty matches only wildcard bindings
     * @return empty when no site or application matches (the front answers 404)
     */
    public Optional<Route> route(InetSocketAddress local, String hostHeader, String cookedPath) {
        String header = hostHeader == null ? "" : hostHeader;
        int start = 0;
        int end = hostEnd(header);
        while (start < end && header.charAt(start) == ' ') {
            start++;
        }
        if (end > start + 1 && header.charAt(end - 1) == '.') {
            end--; // "example.com." is the fully qualified form of "example.com"
        }
        int hostLength = end - start;
        int port = local.getPort();
        InetAddress localAddress = local.getAddress();
        for (SiteBinding sb : bindings) {
            ServerConfig.Binding b = sb.binding();
            if (b.port() != port) {
                continue;
            }
            if (sb.address() != null && !sb.address().equals(localAddress)) {
                continue;
            }
            if (!b.anyHost() && (b.hostName().length() != hostLength
                    || !header.regionMatches(true, start, b.hostName(), 0, hostLength))) {
                continue;
            }
            return application(sb.site(), cookedPath);
        }
        return Optional.empty();
    }

    private static Optional<Route> application(SiteRoutes site, String path) {
        List<Route> routes = site.routesLongestFirst();
        for (int i = 0; i < routes.size(); i++) {
            String appPath = routes.get(i).application().path();
            if (appPath.equals("/") || (path.regionMatches(true, 0, appPath, 0, appPath.length())
                    && (path.length() == appPath.length() || path.charAt(appPath.length()) == '/'))) {
                return site.found().get(i);
            }
        }
        return Optional.empty();
    }

    /** Where the host part of a Host header ends: before {@code :port}, after an IPv6 literal's {@code ]}. */
    private static int hostEnd(String h) {
        int end = h.length();
        while (end > 0 && h.charAt(end - 1) == ' ') {
            end--;
        }
        int bracket = h.lastIndexOf(']', end - 1);
        int colon = h.lastIndexOf(':', end - 1);
        if (colon > bracket) {
            return colon;
        }
        return end;
    }

    /** The host name of a Host header, lower case, without port ({@code [v6]} keeps its brackets). */
    public static String hostName(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        return hostHeader.substring(0, hostEnd(hostHeader)).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether a Host header value is {@code uri-host [":" port]} (RFC 9110 section 7.2, RFC 3986 section 3.2.2): a
     * registered name, an IPv4 address or a bracketed IPv6 literal, then optional decimal port. Empty is valid.
     */
    public static boolean isValidHost(String value) {
        int n = value.length();
        int i = 0;
        if (n > 0 && value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (int k = 1; k < close; k++) {
                char c = value.charAt(k);
                if (!(isHexDigit(c) || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < n && value.charAt(i) != ':') {
                if (!isRegNameChar(value.charAt(i))) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (value.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (int k = i + 1; k < n; k++) {
            char c = value.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isRegNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~%!$&'()*+,;=".indexOf(c) >= 0;
    }

    private static InetAddress parse(ServerConfig.Binding binding) {
        if (binding.anyAddress()) {
            return null;
        }
        try {
            return InetAddress.getByName(binding.address()); // a literal: parsed, never looked up
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("binding address is not an IP literal: " + binding.address(), e);
        }
    }
}
