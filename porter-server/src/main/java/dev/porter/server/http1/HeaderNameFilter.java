package dev.porter.server.http1;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On every request pipeline (HTTP/1.1 and each HTTP/2 stream), just before the {@link ExchangeDispatcher}: removes the
 * request header fields whose names another server behind Porter could read as a different field. CGI-style servers
 * (WSGI, PHP, Rack, Apache's CGI) turn {@code -} and every other non-alphanumeric character into {@code _}, so
 * {@code X_Forwarded_For} or {@code Transfer.Encoding} would reach an app as the forwarding or framing field Porter
 * itself controls. Two rules, as nginx applies them:
 * <ul>
 * <li>a name with {@code _} is dropped unless {@code webLimits underscoresInHeaders} is on (nginx's
 * {@code underscores_in_headers off}, its default);</li>
 * <li>a name that, with every non-alphanumeric character read as {@code -}, is a framing, hop-by-hop or forwarding
 * field but is not spelled as that field ({@code Content_Length}, {@code X.Forwarded-For}) is always dropped.</li>
 * </ul>
 * And a name under the {@code MS-ASPNETCORE} prefix (any case, any separator) is always dropped: those fields are
 * the module's word to the app (spec/ancm-contract.md §1.4), never a client's, in-process as much as out-of-process
 * (where the forwarder adds its own token after removing them again). Stateless; shared.
 */
@ChannelHandler.Sharable
public final class HeaderNameFilter extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderNameFilter.class);

    /** Lower case, {@code -} separated: what a look-alike name must never be taken for. */
    private static final Set<String> PROTECTED = Set.of("content-length", "transfer-encoding", "host", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "expect", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl",
            "x-forwarded-scheme", "x-forwarded-server", "x-real-ip", "x-original-for", "x-original-proto",
            "forwarded", "x-client-ip", "true-client-ip");

    private static final String MS_PREFIX = "ms-aspnetcore";

    static final HeaderNameFilter DROP_UNDERSCORES = new HeaderNameFilter(false);
    static final HeaderNameFilter KEEP_UNDERSCORES = new HeaderNameFilter(true);

    private final boolean keepUnderscores;

    private HeaderNameFilter(boolean keepUnderscores) {
        this.keepUnderscores = keepUnderscores;
    }

    public static HeaderNameFilter of(boolean underscoresInHeaders) {
        return underscoresInHeaders ? KEEP_UNDERSCORES : DROP_UNDERSCORES;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            filter(request.headers(), keepUnderscores);
        }
        ctx.fireChannelRead(msg);
    }

    /** Removes the fields the two rules drop; returns their names (empty in the usual case, without allocating). */
    static List<String> filter(HttpHeaders headers, boolean keepUnderscores) {
        List<String> dropped = List.of();
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (drops(name, keepUnderscores)) {
                if (dropped.isEmpty()) {
                    dropped = new ArrayList<>(2);
                }
                if (!dropped.contains(name.toString())) {
                    dropped.add(name.toString());
                }
            }
        }
        for (String name : dropped) {
            headers.remove(name);
        }
        if (!dropped.isEmpty()) {
            LOG.debug("Dropped request header fields {}: names with '_' or that look like a framing, hop-by-hop or "
                    + "forwarding field (webLimits underscoresInHeaders={})", dropped, keepUnderscores);
        }
        return dropped;
    }

    static boolean drops(CharSequence name, boolean keepUnderscores) {
        boolean plain = true;
        boolean underscore = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                underscore = true;
            }
            if (c != '-' && !isAsciiLetterOrDigit(c)) {
                plain = false;
            }
        }
        if (name.length() >= MS_PREFIX.length() && canonicalStartsWith(name, MS_PREFIX)) {
            return true;
        }
        if (plain) {
            return false; // the usual case: letters, digits and '-' only, so it is exactly what it says
        }
        if (underscore && !keepUnderscores) {
            return true;
        }
        StringBuilder canonical = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            canonical.append(isAsciiLetterOrDigit(c) ? Character.toLowerCase(c) : '-');
        }
        return PROTECTED.contains(canonical.toString().toLowerCase(Locale.ROOT));
    }

    /** Whether the name, lower case with every non-alphanumeric character read as '-', starts with the prefix. */
    private static boolean canonicalStartsWith(CharSequence name, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            char c = name.charAt(i);
            if ((isAsciiLetterOrDigit(c) ? Character.toLowerCase(c) : '-') != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
