package dev.porter.spring;

import dev.porter.integration.PorterIntegration;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * True when the app runs out-of-process behind Porter (Porter set {@code ASPNETCORE_PORT} and a pairing token) and not
 * in-process. The starters' out-of-process auto-configurations are conditional on it.
 */
public final class OnBehindPorter implements Condition {

    /** Whether the app runs out-of-process behind Porter. */
    public static boolean behindPorter() {
        return !OnPorterInProcess.inProcess() && PorterIntegration.isBehindPorter();
    }

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return behindPorter();
    }
}
