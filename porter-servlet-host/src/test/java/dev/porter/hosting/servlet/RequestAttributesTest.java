package dev.porter.hosting.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Attributes;
import org.junit.jupiter.api.Test;

/**
 * What an app sees of a request's attributes through {@link RequestAttributes}: the transport's (user, TLS facts)
 * readable and replaceable, its own kept on the side, Jetty's own written through to the request Jetty made (the
 * upgraded connection after a 101 is read from there), removals from both.
 */
class RequestAttributesTest {

    private final Attributes jettyRequest = new Attributes.Mapped();
    private final RequestAttributes attributes = new RequestAttributes(jettyRequest);

    @Test
    void theTransportsAttributesAreReadThroughAndCanBeReplaced() {
        jettyRequest.setAttribute(PorterIdentity.CERTIFICATES, "certificate");

        assertThat(attributes.getAttribute(PorterIdentity.CERTIFICATES)).isEqualTo("certificate");
        assertThat(attributes.setAttribute(PorterIdentity.CERTIFICATES, "another")).isEqualTo("certificate");
        assertThat(attributes.getAttribute(PorterIdentity.CERTIFICATES)).isEqualTo("another");
        assertThat(attributes.getAttributeNameSet()).containsExactly(PorterIdentity.CERTIFICATES);
    }

    @Test
    void theAppsAttributesStayOnTheSideAndJettysAreWrittenThrough() {
        assertThat(attributes.setAttribute("org.springframework.web.servlet.DispatcherServlet.CONTEXT", "ctx"))
                .isNull();
        attributes.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, "connection");

        assertThat(jettyRequest.getAttribute("org.springframework.web.servlet.DispatcherServlet.CONTEXT")).isNull();
        assertThat(jettyRequest.getAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE)).isEqualTo("connection");
        assertThat(attributes.getAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE)).isEqualTo("connection");
        assertThat(attributes.getAttributeNameSet()).containsExactlyInAnyOrder(
                "org.springframework.web.servlet.DispatcherServlet.CONTEXT", HttpStream.UPGRADE_CONNECTION_ATTRIBUTE);
    }

    @Test
    void removingOrSettingNullRemovesFromBothAndAnswersTheOldValue() {
        jettyRequest.setAttribute("user", "alice");
        attributes.setAttribute("app", "value");

        assertThat(attributes.removeAttribute("user")).isEqualTo("alice");
        assertThat(attributes.setAttribute("app", null)).isEqualTo("value");
        assertThat(attributes.getAttribute("user")).isNull();
        assertThat(attributes.getAttribute("app")).isNull();
        assertThat(jettyRequest.getAttributeNameSet()).isEmpty();
        assertThat(attributes.getAttributeNameSet()).isEmpty();
    }

    @Test
    void aRequestWithManyAttributesKeepsEveryOneUntilCleared() {
        jettyRequest.setAttribute("user", "alice");
        for (int i = 0; i < 100; i++) {
            attributes.setAttribute("a" + i, i);
        }

        assertThat(attributes.getAttributeNameSet()).hasSize(101).contains("user", "a0", "a99");
        assertThat(attributes.getAttribute("a57")).isEqualTo(57);
        attributes.clearAttributes();
        assertThat(attributes.getAttributeNameSet()).isEmpty();
        assertThat(jettyRequest.getAttributeNameSet()).isEmpty();
    }
}
