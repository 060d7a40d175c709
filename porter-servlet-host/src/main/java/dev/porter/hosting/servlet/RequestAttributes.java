package dev.porter.hosting.servlet;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Attributes;

/**
 * A request's attributes sized for the frameworks Porter hosts: Jetty keeps them in a {@link ConcurrentHashMap} of
 * the default size created per request, and Spring MVC sets some twenty on every request, so that map was resized
 * twice per request (about a tenth of Porter's CPU for a Spring Boot "hello" in a profile). Installed by
 * {@link ServletHost#newServer} around every request before the app's handlers see it.
 *
 * <p>Reads look here first, then at the request Jetty made (where Porter's transport put the front server's user
 * and TLS facts, {@link PorterIdentity}); Jetty's own attributes ({@code org.eclipse.jetty.*}, such as the upgraded
 * connection {@link PorterHttpStream} reads after a 101) are written through to that request, as before; removals
 * remove from both. Threading: as Jetty's, any thread (a concurrent map).
 */
final class RequestAttributes extends Attributes.Wrapper {

    /** Room for Spring MVC's attributes without a resize (a map of 64 holds 48). */
    private static final int INITIAL_CAPACITY = 64;

    private final ConcurrentHashMap<String, Object> own = new ConcurrentHashMap<>(INITIAL_CAPACITY);

    /** Over the attributes of the request Jetty made (a {@link Request} is its own attributes). */
    RequestAttributes(Attributes request) {
        super(request);
    }

    /** The request as the app's handlers see it. */
    static Request wrap(Request request) {
        return new Request.AttributesWrapper(request, new RequestAttributes(request));
    }

    private static boolean jettys(String name) {
        return name.startsWith("org.eclipse.jetty.") || name.equals(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE);
    }

    @Override
    public Object getAttribute(String name) {
        Object value = own.get(name);
        return value != null ? value : super.getAttribute(name);
    }

    @Override
    public Object setAttribute(String name, Object value) {
        if (value == null) {
            return removeAttribute(name);
        }
        if (jettys(name)) {
            Object old = own.remove(name);
            Object previous = super.setAttribute(name, value);
            return old != null ? old : previous;
        }
        Object old = own.put(name, value);
        return old != null ? old : super.getAttribute(name);
    }

    @Override
    public Object removeAttribute(String name) {
        Object old = own.remove(name);
        Object previous = super.removeAttribute(name);
        return old != null ? old : previous;
    }

    @Override
    public Set<String> getAttributeNameSet() {
        Set<String> under = super.getAttributeNameSet();
        if (own.isEmpty()) {
            return under;
        }
        Set<String> names = new HashSet<>(under);
        names.addAll(own.keySet());
        return names;
    }

    @Override
    public void clearAttributes() {
        own.clear();
        super.clearAttributes();
    }
}
