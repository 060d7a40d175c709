package dev.porter.server;

import dev.porter.config.ServerConfig;

/** The site and application a request was routed to, with the handler that answers it. */
public record Route(ServerConfig.Site site, ServerConfig.Application application, RequestHandler handler) {
}
