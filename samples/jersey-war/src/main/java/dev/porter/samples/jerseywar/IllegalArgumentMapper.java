package dev.porter.samples.jerseywar;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** An exception mapper: IllegalArgumentException becomes 422 with the message. */
@Provider
public class IllegalArgumentMapper implements ExceptionMapper<IllegalArgumentException> {

    @Override
    public Response toResponse(IllegalArgumentException e) {
        return Response.status(422).type(MediaType.TEXT_PLAIN).entity("rejected: " + e.getMessage()).build();
    }
}
