package com.example.plainquarkus;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

/**
 * A plain Quarkus REST resource as its users write it: no Porter code; everything Porter-specific is in
 * application.properties. Answers what the request looks like to the app.
 */
@Path("/whoami")
public class WhoAmI {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String whoami(@Context HttpServerRequest request, @Context UriInfo uri) {
        return "remoteAddr=" + request.remoteAddress().hostAddress() + "\n"
                + "scheme=" + request.scheme() + "\n"
                + "host=" + request.authority() + "\n"
                + "contextPath=" + uri.getBaseUri().getPath() + "\n"
                + "link=" + uri.getRequestUri() + "\n";
    }
}
