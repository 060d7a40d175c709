package dev.porter.testapps.javalin;

import io.javalin.Javalin;

/**
 * A plain Javalin app: it starts its own Jetty, on 127.0.0.1 at {@code ASPNETCORE_PORT} when set (out-of-process),
 * else on a port the OS picks. In-process that is a misfit.
 */
public final class JavalinApp {

    private JavalinApp() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "0"));
        Javalin.create(config -> config.jetty.defaultHost = "127.0.0.1")
                .get("/hello", ctx -> ctx.result("hello from javalin"))
                .start(port);
    }
}
