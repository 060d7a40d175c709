package dev.porter.testapps.jex;

import io.avaje.jex.Jex;

/** A plain Avaje Jex app: Jex serves on the JDK {@code HttpServer}; {@code ASPNETCORE_PORT} when set, else 7070. */
public final class JexApp {

    private JexApp() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "7070"));
        Jex.create()
                .get("/hello", ctx -> ctx.text("hello from jex"))
                .get("/thread", ctx -> ctx.text("virtual=" + Thread.currentThread().isVirtual()))
                .port(port)
                .start();
    }
}
