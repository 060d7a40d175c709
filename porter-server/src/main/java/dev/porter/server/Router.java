package dev.porter.server;

import dev.porter.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * Binding, then site, then application: a request goes to the site whose binding matches the local port, address and
 * {@code Host} (most specific binding first, as http.sys orders them), then to the application with the longest
 * virtual-path prefix on a segment boundary ({@code /app} matches {@code /app} and {@code /app/x}, never
 * {@code /apple}); paths compare case-insensitively, as in IIS. Immutable; built once at start.
 */
public final class Router {

    /** @param address the bound address, parsed once; null for any address */
    private record SiteBinding(ServerConfig.Binding binding, InetAddress address, SiteRoutes site) {
        int specificity() {
            return (binding.anyHost() ? 0 : 2) + (binding.anyAddress() ? 0 : 1);
        }
    }

    private record SiteRoutes(List<Route> routesLongestFirst) {
    }

    private final List<SiteBinding> bindings;

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
        }
        all.sort(Comparator.comparingInt(SiteBinding::specificity).reversed());
        this.bindings = List.copyOf(all);
    }

    /** All routes, for start-up and shutdown. */
    public List<Route> routes() {
        return bindings.stream().flatMap(b -> b.site().routesLongestFirst().stream()).distinct().toList();
    }

    /**
     * @param hostHeader the {@code Host} header, possibly with a port; null or empty matches only wildcard bindings
     * @return null when no site or application matches
     */
    public Route route(InetSocketAddress local, String hostHeader, String cookedPath) {
        String host = hostName(hostHeader);
        for (SiteBinding sb : bindings) {
            ServerConfig.Binding b = sb.binding();
            if (b.port() != local.getPort()) {
                continue;
            }
            if (sb.address() != null && !sb.address().equals(local.getAddress())) {
                continue;
            }
            if (!b.anyHost() && !b.hostName().equalsIgnoreCase(host)) {
                continue;
            }
            return application(sb.site(), cookedPath);
        }
        return null;
    }

    private static Route application(SiteRoutes site, String path) {
        for (Route route : site.routesLongestFirst()) {
            String appPath = route.application().path();
            if (appPath.equals("/")) {
                return route;
            }
            if (path.regionMatches(true, 0, appPath, 0, appPath.length())
                    && (path.length() == appPath.length() || path.charAt(appPath.length()) == '/')) {
                return route;
            }
        }
        return null;
    }

    static String hostName(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1).toLowerCase(Locale.ROOT);
        }
        int colon = h.indexOf(':');
        return (colon < 0 ? h : h.substring(0, colon)).toLowerCase(Locale.ROOT);
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
