package dev.porter.integration.servlet;

import dev.porter.httpcontext.PathBase;
import dev.porter.integration.internal.ForwardedHeaders;
import dev.porter.integration.internal.Outcome;
import dev.porter.integration.internal.RequestRules;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A servlet request as the app sees it behind Porter (see {@link PorterServletFilter}): path base moved into the
 * context path, client address, scheme, certificate and user from the module, headers edited as ASP.NET's middleware
 * leaves them (consumed {@code X-Forwarded-*} entries removed, {@code X-Original-*} added, the pairing token gone).
 *
 * <p>Used by the thread that runs the request, like any servlet request.
 */
final class PorterServletRequest extends HttpServletRequestWrapper {
    static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    private final Outcome outcome;
    private final boolean applyPathBase;
    private final boolean schemeChanged;
    /** Header edits by lower-case name: a list replaces the container's values, an empty list removes the header. */
    private final Map<String, List<String>> headerEdits = new LinkedHashMap<>();
    private final Map<String, String> editedNames = new LinkedHashMap<>();

    PorterServletRequest(HttpServletRequest request, Outcome outcome, boolean applyPathBase) {
        super(request);
        this.outcome = outcome;
        this.applyPathBase = applyPathBase;
        this.schemeChanged = !outcome.scheme().equalsIgnoreCase(request.getScheme());
        edit(RequestRules.TOKEN_HEADER, Collections.<String>emptyList());
        ForwardedHeaders forwarded = outcome.forwarded();
        if (forwarded.forConsumed()) {
            edit(ForwardedHeaders.X_FORWARDED_FOR, valueOrNone(forwarded.remainingFor()));
            edit(ForwardedHeaders.X_ORIGINAL_FOR, Collections.singletonList(forwarded.originalFor()));
        }
        if (forwarded.protoConsumed()) {
            edit(ForwardedHeaders.X_FORWARDED_PROTO, valueOrNone(forwarded.remainingProto()));
            edit(ForwardedHeaders.X_ORIGINAL_PROTO, Collections.singletonList(forwarded.originalProto()));
        }
    }

    private void edit(String name, List<String> values) {
        headerEdits.put(name.toLowerCase(Locale.ROOT), values);
        editedNames.put(name.toLowerCase(Locale.ROOT), name);
    }

    private static List<String> valueOrNone(String value) {
        return value.isEmpty() ? Collections.<String>emptyList() : Collections.singletonList(value);
    }

    // --- path base -----------------------------------------------------------------------------------------------

    @Override
    public String getContextPath() {
        return applyPathBase ? outcome.pathBase().base() + super.getContextPath() : super.getContextPath();
    }

    @Override
    public String getServletPath() {
        String servletPath = super.getServletPath();
        if (applyPathBase && startsWithBase(servletPath)) {
            return orRoot(servletPath.substring(outcome.pathBase().base().length()));
        }
        return servletPath;
    }

    @Override
    public String getPathInfo() {
        String pathInfo = super.getPathInfo();
        if (applyPathBase && !startsWithBase(super.getServletPath()) && startsWithBase(pathInfo)) {
            return orRoot(pathInfo.substring(outcome.pathBase().base().length()));
        }
        return pathInfo;
    }

    private boolean startsWithBase(String path) {
        return path != null && PathBase.isUnder(outcome.pathBase().base(), path);
    }

    private static String orRoot(String path) {
        return path.isEmpty() ? "/" : path;
    }

    // --- client address and scheme -------------------------------------------------------------------------------

    @Override
    public String getRemoteAddr() {
        InetSocketAddress remote = outcome.remoteAddress();
        if (remote.getAddress() == null) {
            return super.getRemoteAddr();
        }
        String host = remote.getAddress().getHostAddress();
        int zone = host.indexOf('%');
        return zone >= 0 ? host.substring(0, zone) : host;
    }

    /** The address: looking names up per request is slow and the front server did not either. */
    @Override
    public String getRemoteHost() {
        return getRemoteAddr();
    }

    @Override
    public int getRemotePort() {
        return outcome.remoteAddress().getPort();
    }

    @Override
    public String getScheme() {
        return outcome.scheme();
    }

    @Override
    public boolean isSecure() {
        return schemeChanged ? "https".equals(outcome.scheme()) : super.isSecure();
    }

    /** With a forwarded scheme and no port in {@code Host}, the scheme's default port, not the connection's. */
    @Override
    public int getServerPort() {
        if (!schemeChanged) {
            return super.getServerPort();
        }
        String host = super.getHeader("Host");
        if (host != null) {
            int bracket = host.lastIndexOf(']');
            int colon = host.lastIndexOf(':');
            if (colon > bracket && colon < host.length() - 1) {
                try {
                    return Integer.parseInt(host.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    // Fall through to the scheme's default.
                }
            }
        }
        return "https".equals(outcome.scheme()) ? 443 : 80;
    }

    @Override
    public StringBuffer getRequestURL() {
        StringBuffer url = new StringBuffer();
        String scheme = getScheme();
        int port = getServerPort();
        url.append(scheme).append("://").append(getServerName());
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        if (!defaultPort && port > 0) {
            url.append(':').append(port);
        }
        return url.append(getRequestURI());
    }

    // --- certificate and user ------------------------------------------------------------------------------------

    @Override
    public Object getAttribute(String name) {
        if (CERTIFICATE_ATTRIBUTE.equals(name) && outcome.certificate() != null) {
            X509Certificate certificate = outcome.certificate().get();
            return certificate == null ? null : new X509Certificate[] {certificate};
        }
        return super.getAttribute(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        if (outcome.certificate() == null || outcome.certificate().get() == null) {
            return super.getAttributeNames();
        }
        Set<String> names = new LinkedHashSet<>(Collections.list(super.getAttributeNames()));
        names.add(CERTIFICATE_ATTRIBUTE);
        return Collections.enumeration(names);
    }

    @Override
    public Principal getUserPrincipal() {
        return outcome.user() != null ? new ForwardedUser(outcome.user()) : super.getUserPrincipal();
    }

    @Override
    public String getRemoteUser() {
        return outcome.user() != null ? outcome.user() : super.getRemoteUser();
    }

    @Override
    public String getAuthType() {
        return outcome.user() != null ? outcome.authType() : super.getAuthType();
    }

    // --- headers -------------------------------------------------------------------------------------------------

    @Override
    public String getHeader(String name) {
        List<String> edited = headerEdits.get(name.toLowerCase(Locale.ROOT));
        if (edited != null) {
            return edited.isEmpty() ? null : edited.get(0);
        }
        return super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        List<String> edited = headerEdits.get(name.toLowerCase(Locale.ROOT));
        return edited != null ? Collections.enumeration(edited) : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        List<String> names = new ArrayList<>();
        Enumeration<String> original = super.getHeaderNames();
        while (original != null && original.hasMoreElements()) {
            String name = original.nextElement();
            if (!headerEdits.containsKey(name.toLowerCase(Locale.ROOT))) {
                names.add(name);
            }
        }
        for (Map.Entry<String, List<String>> edit : headerEdits.entrySet()) {
            if (!edit.getValue().isEmpty()) {
                names.add(editedNames.get(edit.getKey()));
            }
        }
        return Collections.enumeration(names);
    }

    /** The user the front server authenticated. */
    private static final class ForwardedUser implements Principal {
        private final String name;

        ForwardedUser(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ForwardedUser && ((ForwardedUser) other).name.equals(name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name);
        }

        @Override
        public String toString() {
            return "ForwardedUser[" + name + "]";
        }
    }
}
