package dev.porter.testapps.jerseyjdk;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.glassfish.jersey.jdkhttp.JdkHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * Jersey's documented JDK HttpServer entry point, as its user guide writes it: {@code JdkHttpServerFactory
 * .createHttpServer(uri, config)}. Jersey sets its own executor (platform threads) and writes with blocking streams.
 * It listens where {@code ASPNETCORE_PORT} says, else on 9998 (in-process the address is ignored).
 */
public final class JerseyJdkApp {

    private JerseyJdkApp() {
    }

    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("ASPNETCORE_PORT", "9998");
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        JdkHttpServerFactory.createHttpServer(base, new ResourceConfig(Hello.class));
        System.out.println("Jersey listening at " + base);
    }

    /** The resources. */
    @Path("/")
    public static final class Hello {

        @GET
        @Path("hello")
        @Produces(MediaType.TEXT_PLAIN)
        public String hello() {
            return "hello from jersey";
        }

        @GET
        @Path("thread")
        @Produces(MediaType.TEXT_PLAIN)
        public String thread() {
            return "virtual=" + Thread.currentThread().isVirtual();
        }

        @POST
        @Path("echo")
        @Produces(MediaType.TEXT_PLAIN)
        public String echo(String body) {
            return body;
        }

        @GET
        @Path("exit")
        @Produces(MediaType.TEXT_PLAIN)
        public String exit() {
            new Thread(() -> System.exit(3)).start();
            return "exiting";
        }
    }
}
