package dev.porter.samples.jersey;

import com.sun.net.httpserver.HttpExchange;
import dev.porter.integration.PorterIntegration;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.net.InetSocketAddress;

/**
 * {@code GET /info}: what the app sees — the hosting model, the URIs as Jersey computes them, the path base, the
 * client and the scheme as the integration (out-of-process) or Porter's in-process server gives them.
 */
@Path("info")
public final class InfoResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String info(@Context UriInfo uri) {
        HttpExchange exchange = CurrentExchange.get();
        StringBuilder text = new StringBuilder()
                .append("Jersey sample\n")
                .append("model: ").append(HostingModel.current()).append('\n')
                .append("jersey base URI: ").append(uri.getBaseUri()).append('\n')
                .append("jersey request URI: ").append(uri.getRequestUri()).append('\n')
                .append("jersey path: ").append(uri.getPath()).append('\n');
        if (exchange != null) {
            InetSocketAddress client = exchange.getRemoteAddress();
            text.append("path base: ").append(PorterIntegration.pathBase(exchange)).append('\n')
                    .append("client: ").append(client.getAddress().getHostAddress()).append(':')
                    .append(client.getPort()).append('\n')
                    .append("scheme: ").append(PorterIntegration.scheme(exchange)).append('\n');
        }
        return text.toString();
    }
}
