package com.example.plainvertx;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.AllowForwardHeaders;
import io.vertx.ext.web.Router;

/**
 * A plain Vert.x web app as its users write it: no Porter code. Behind Porter it reads where to listen and its path
 * base from the environment Porter gives it, and lets vertx-web apply the standard forwarding headers
 * ({@code forwardedHeaders="standard"} in web.config). {@code /whoami} answers what the request looks like to the app.
 */
public final class PlainVertxApp {

    private PlainVertxApp() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("ASPNETCORE_PORT", "8888"));
        String base = System.getenv().getOrDefault("ASPNETCORE_APPL_PATH", "/");
        Vertx vertx = Vertx.vertx();
        Router app = Router.router(vertx);
        app.get("/whoami").handler(ctx -> {
            HttpServerRequest request = ctx.request();
            ctx.response().putHeader("Content-Type", "text/plain").end(
                    "remoteAddr=" + request.remoteAddress().hostAddress() + "\n"
                    + "scheme=" + request.scheme() + "\n"
                    + "host=" + request.authority() + "\n"
                    + "contextPath=" + (ctx.mountPoint() == null ? "" : ctx.mountPoint()) + "\n"
                    + "link=" + request.absoluteURI() + "\n");
        });
        Router root = app;
        if (!base.equals("/")) {
            root = Router.router(vertx);
            root.route(base + "*").subRouter(app);
        }
        // X-Forwarded-For/-Proto/-Host/-Port become the request's remote address, scheme and authority
        root.allowForward(AllowForwardHeaders.X_FORWARD);
        vertx.createHttpServer().requestHandler(root).listen(port, "127.0.0.1");
    }
}
