package dev.porter.integration.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Servlet request and response stand-ins made with dynamic proxies: no container needed for the filter's rules. */
final class FakeServlet {
    private FakeServlet() {
    }

    /** A request of a root-deployed app ({@code contextPath ""}) under a {@code /*} mapping unless changed. */
    static final class Request {
        final Map<String, Object> values = new HashMap<>();
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        final Map<String, Object> attributes = new HashMap<>();

        Request(String method, String uri) {
            values.put("getMethod", method);
            values.put("getRequestURI", uri);
            values.put("getContextPath", "");
            values.put("getServletPath", "");
            values.put("getPathInfo", uri);
            values.put("getRemoteAddr", "127.0.0.1");
            values.put("getRemoteHost", "127.0.0.1");
            values.put("getRemotePort", 40000);
            values.put("getScheme", "http");
            values.put("isSecure", false);
            values.put("getServerName", "example.com");
            values.put("getServerPort", 8080);
        }

        Request set(String method, Object value) {
            values.put(method, value);
            return this;
        }

        Request header(String name, String value) {
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        private List<String> headerValues(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue();
                }
            }
            return Collections.emptyList();
        }

        HttpServletRequest build() {
            return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "getHeader":
                                List<String> one = headerValues((String) args[0]);
                                return one.isEmpty() ? null : one.get(0);
                            case "getHeaders":
                                return Collections.enumeration(headerValues((String) args[0]));
                            case "getHeaderNames":
                                return Collections.enumeration(headers.keySet());
                            case "getAttribute":
                                return attributes.get(args[0]);
                            case "getAttributeNames":
                                return Collections.enumeration(attributes.keySet());
                            case "setAttribute":
                                attributes.put((String) args[0], args[1]);
                                return null;
                            case "getUserPrincipal":
                            case "getRemoteUser":
                            case "getAuthType":
                                return values.get(method.getName());
                            case "toString":
                                return "FakeRequest" + values;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            default:
                                if (values.containsKey(method.getName())) {
                                    return values.get(method.getName());
                                }
                                throw new UnsupportedOperationException(method.getName());
                        }
                    });
        }
    }

    /** Records status, content length and flushes. */
    static final class Response {
        int status = 200;
        int contentLength = -1;
        boolean flushed;

        HttpServletResponse build() {
            return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "setStatus":
                                status = (Integer) args[0];
                                return null;
                            case "setContentLength":
                                contentLength = (Integer) args[0];
                                return null;
                            case "flushBuffer":
                                flushed = true;
                                return null;
                            case "getStatus":
                                return status;
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            case "toString":
                                return "FakeResponse[" + status + "]";
                            default:
                                throw new UnsupportedOperationException(method.getName().toLowerCase(Locale.ROOT));
                        }
                    });
        }
    }
}
