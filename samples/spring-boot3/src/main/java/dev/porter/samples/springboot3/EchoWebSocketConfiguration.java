package dev.porter.samples.springboot3;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * Spring WebSocket without STOMP: {@code /ws/echo} sends every text message back, prefixed, and says who the user
 * is on {@code whoami}. Plain Spring: the same code runs on Boot's Tomcat and in-process on Porter's Jetty.
 */
@Configuration
@EnableWebSocket
class EchoWebSocketConfiguration implements WebSocketConfigurer {

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(new EchoHandler(), "/ws/echo");
    }

    /**
     * Messages up to 64 KiB, whichever container runs the app (Tomcat's default buffer is 8 KiB, Jetty's 64 KiB):
     * the standard Jakarta WebSocket setting, so it means the same on both.
     */
    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(64 * 1024);
        return container;
    }

    /** Echoes text messages; {@code close} makes it close the session with 4000. */
    static final class EchoHandler extends TextWebSocketHandler {
        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
            String text = message.getPayload();
            if (text.equals("close")) {
                session.close(new CloseStatus(4000, "asked to close"));
            } else if (text.equals("whoami")) {
                session.sendMessage(new TextMessage("path=" + session.getUri().getPath() + " user="
                        + (session.getPrincipal() == null ? null : session.getPrincipal().getName())));
            } else {
                session.sendMessage(new TextMessage("echo: " + text));
            }
        }
    }
}
