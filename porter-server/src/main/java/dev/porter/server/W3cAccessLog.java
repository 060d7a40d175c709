package dev.porter.server;

import dev.porter.config.ServerConfig;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * The W3C extended access log (IIS's default format), one file set per site that enables {@code <logFile>}.
 * Placeholder: logs nothing yet.
 */
public final class W3cAccessLog implements AccessLog {

    private W3cAccessLog() {
    }

    public static AccessLog forSites(List<ServerConfig.Site> sites) {
        return AccessLog.NONE;
    }

    @Override
    public void completed(Channel channel, Exchange exchange) {
    }

    @Override
    public void rejected(Channel channel, HttpRequest request, int status) {
    }
}
