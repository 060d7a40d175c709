package dev.porter.samples.jerseywar;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

/** JAX-RS resources: a hello, what the app sees of its request, and a failure an exception mapper answers. */
@Path("/")
@Produces(MediaType.TEXT_PLAIN)
public class HelloResource {

    @Context
    HttpServletRequest request;

    @GET
    @Path("hello")
    public String hello(@QueryParam("name") String name) {
        return "hello from Jersey" + (name == null ? "" : ", " + name);
    }

    @GET
    @Path("info")
    public String info(@Context UriInfo uri) {
        return "contextPath=" + request.getContextPath() + "\nservletPath=" + request.getServletPath()
                + "\nbaseUri=" + uri.getBaseUri().getPath() + "\npath=" + uri.getPath() + "\n";
    }

    @GET
    @Path("fail")
    public String fail() {
        throw new IllegalArgumentException("no such thing");
    }
}
