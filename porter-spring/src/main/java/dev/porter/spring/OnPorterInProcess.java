package dev.porter.spring;

import dev.porter.servlet.spi.PorterServletHost;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * True when Porter's Servlet host serves this app in-process: then {@code PorterServletHost} is the host's own class
 * and it knows the app. Out-of-process and standalone it is the app's copy, and nothing registered. The starters'
 * in-process auto-configurations are conditional on it.
 */
public final class OnPorterInProcess implements Condition {

    /** Whether the calling app runs in-process in Porter's Servlet host. */
    public static boolean inProcess() {
        return PorterServletHost.current() != null;
    }

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return inProcess();
    }
}
