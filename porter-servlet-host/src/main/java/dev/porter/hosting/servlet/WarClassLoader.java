package dev.porter.hosting.servlet;

import dev.porter.hosting.inprocess.ServletAppDomain;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import org.eclipse.jetty.ee.webapp.WebAppClassLoader;
import org.eclipse.jetty.ee11.webapp.WebAppContext;

/**
 * A WAR's class loader: Jetty's {@code WebAppClassLoader} (child-first over {@code WEB-INF/classes} and
 * {@code WEB-INF/lib}, Porter's and Jetty's classes hidden) whose classes are rewritten for the app's
 * {@link ServletAppDomain}, so {@code System.exit}, {@code System.getenv}, system properties, {@code System.out} and
 * shutdown hooks in the app's code are the app's own. The domain's runtime class is defined here from Porter's bytes
 * (Porter's own copy is hidden from the app, and each app needs its own copy for its own state).
 *
 * <p>Threading: a parallel-capable class loader, as Jetty's.
 */
final class WarClassLoader extends WebAppClassLoader {

    static {
        registerAsParallelCapable();
    }

    WarClassLoader(ClassLoader host, WebAppContext context, ServletAppDomain domain) {
        super(host, context);
        setName(domain.loaderName());
        addTransformer(new ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
                    ProtectionDomain protectionDomain, byte[] bytes) {
                return domain.rewrite(className, bytes, loader);
            }
        });
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!ServletAppDomain.isRuntimeClass(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                byte[] bytes = ServletAppDomain.runtimeClassBytes(name);
                c = defineClass(name, bytes, 0, bytes.length);
            }
            return c;
        }
    }
}
