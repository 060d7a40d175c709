package dev.porter.springboot;

import dev.porter.integration.PorterIntegration;
import dev.porter.servlet.spi.PorterServletHost;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** True when the app runs out-of-process behind Porter (Porter set ASPNETCORE_PORT and a token) and not in-process. */
final class OnBehindPorter implements Condition {

    static boolean behindPorter() {
        return PorterServletHost.current() == null && PorterIntegration.isBehindPorter();
    }

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return behindPorter();
    }
}
