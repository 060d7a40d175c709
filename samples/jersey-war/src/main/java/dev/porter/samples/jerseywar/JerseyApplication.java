package dev.porter.samples.jerseywar;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** Found by Jersey's ServletContainerInitializer (no web.xml): every resource under {@code /api}. */
@ApplicationPath("/api")
public class JerseyApplication extends Application {
}
