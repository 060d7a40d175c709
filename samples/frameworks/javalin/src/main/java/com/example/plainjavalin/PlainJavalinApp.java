package com.example.plainjavalin;

import io.javalin.Javalin;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;

/**
 * A plain Javalin app as its users write it: no Porter code. Behind Porter it reads where to listen and its context
 * path from the environment Porter gives it, and lets Jetty apply the standard forwarding headers
 * ({@code forwardedHeaders="standard"} in web.config). {@code /whoami} answers what the request looks like to the app.
 */
public final class PlainJavalinApp {

    private PlainJavalinApp() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "7070"));
        String contextPath = System.getenv().getOrDefault("ASPNETCORE_APPL_PATH", "/");
        Javalin app = Javalin.create(config -> {
            config.router.contextPath = contextPath;
            // X-Forwarded-For/-Proto/-Host/-Port become the request's remote address, scheme, host and port
            config.jetty.modifyHttpConfiguration(http -> http.addCustomizer(new ForwardedRequestCustomizer()));
            config.showJavalinBanner = false;
        });
        app.get("/whoami", ctx -> ctx.contentType("text/plain").result(
                "remoteAddr=" + ctx.ip() + "\n"
                + "scheme=" + ctx.scheme() + "\n"
                + "serverName=" + ctx.req().getServerName() + "\n"
                + "serverPort=" + ctx.req().getServerPort() + "\n"
                + "contextPath=" + ctx.contextPath() + "\n"
                + "requestURL=" + ctx.url() + "\n"));
        app.start("127.0.0.1", port);
    }
}
