package dev.porter.samples.war;

import jakarta.websocket.OnMessage;
import jakarta.websocket.server.ServerEndpoint;

/** A Jakarta WebSocket endpoint: {@code /ws/echo} sends every text message back, prefixed. */
@ServerEndpoint("/ws/echo")
public final class EchoEndpoint {

    @OnMessage
    public String echo(String message) {
        return "echo: " + message;
    }
}
