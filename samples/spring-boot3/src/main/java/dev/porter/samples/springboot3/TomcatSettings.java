package dev.porter.samples.springboot3;

import org.springframework.boot.web.embedded.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * A Tomcat-specific setting, as apps have them: Tomcat hands a servlet only the request trailer fields its connector
 * allows ({@code allowedTrailerHeaders}, none by default), so the app allows {@code X-Sum}. It applies where Boot's
 * Tomcat runs (standalone, out-of-process behind Porter); in-process the app runs in Porter's Jetty, this customizer
 * is never called, and Jetty hands every trailer field over.
 */
@Component
class TomcatSettings implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> {

    @Override
    public void customize(ConfigurableTomcatWebServerFactory factory) {
        factory.addConnectorCustomizers(connector -> connector.setProperty("allowedTrailerHeaders", "x-sum"));
    }
}
