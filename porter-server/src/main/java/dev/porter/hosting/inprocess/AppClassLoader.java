package dev.porter.hosting.inprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app domain's class loader: the application's jars and directories, parent = the platform class loader, so the app
 * sees the JDK (including {@code com.sun.net.httpserver}, which is how it meets Porter's in-process server) and never
 * Porter's own classes or dependencies. Classes are defined after {@link AppBytecode} has redirected their JVM-wide
 * calls to this domain's {@link DomainRuntime}, which this loader defines from Porter's copy of its bytes.
 * Resources ({@code getResource}) are the {@link URLClassLoader}'s. {@link #close} releases the jars.
 *
 * <p>A Spring Boot app in Porter's Servlet host ({@link ServletAppDomain}) gets this loader too, with a small delegation
 * list: the classes it names ({@code jakarta.servlet.*}, Porter's Servlet SPI) come from the host's layer, so the app
 * and the host agree on one Servlet API; such a loader belongs to no {@link AppDomain} ({@link #domain()} is null).
 */
final class AppClassLoader extends URLClassLoader {

    static {
        registerAsParallelCapable();
    }

    private static final Logger LOG = LoggerFactory.getLogger(AppClassLoader.class);

    private final AppDomain domain;
    /** For the log: the application's name. */
    private final String appName;
    /** Where the delegated classes come from, or null. */
    private final ClassLoader host;
    private final java.util.function.Predicate<String> fromHost;
    private final List<Entry> entries;
    private final ClassHierarchyResolver hierarchy;

    /** One class path entry: a jar (opened once) or a directory. */
    private record Entry(Path path, JarFile jar, java.util.jar.Manifest manifest, URL url,
            ProtectionDomain protectionDomain) {
    }

    AppClassLoader(String name, List<Path> classPath, AppDomain domain) throws IOException {
        this(name, classPath, domain, domain.name(), null, className -> false);
    }

    /**
     * @param host where the classes {@code fromHost} accepts are loaded (parent first), or null
     */
    AppClassLoader(String name, List<Path> classPath, AppDomain domain, String appName, ClassLoader host,
            java.util.function.Predicate<String> fromHost) throws IOException {
        super(name, urls(classPath), ClassLoader.getPlatformClassLoader());
        this.domain = domain;
        this.appName = appName;
        this.host = host;
        this.fromHost = fromHost;
        List<Entry> list = new ArrayList<>();
        try {
            for (Path p : classPath) {
                // Multi-release jars: the entries for the Java the server runs on.
                JarFile jar = Files.isDirectory(p) ? null
                        : new JarFile(p.toFile(), true, java.util.zip.ZipFile.OPEN_READ, Runtime.version());
                URL url = p.toUri().toURL();
                CodeSource cs = new CodeSource(url, (Certificate[]) null);
                list.add(new Entry(p, jar, jar == null ? null : jar.getManifest(), url,
                        new ProtectionDomain(cs, null, this, null)));
            }
        } catch (IOException e) {
            for (Entry entry : list) {
                if (entry.jar() != null) {
                    entry.jar().close();
                }
            }
            super.close();
            throw e;
        }
        this.entries = List.copyOf(list);
        this.hierarchy = ClassHierarchyResolver.ofResourceParsing(desc -> classBytesAsStream(desc.descriptorString()))
                .orElse(ClassHierarchyResolver.defaultResolver()).cached();
    }

    /** The JDK-API app's domain, or null for a Servlet app's loader. */
    AppDomain domain() {
        return domain;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (host != null && fromHost.test(name)) {
            return host.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (name.equals(AppBytecode.RUNTIME_CLASS) || name.startsWith(AppBytecode.RUNTIME_CLASS + "$")) {
            return defineRuntimeClass(name);
        }
        String path = name.replace('.', '/').concat(".class");
        for (Entry entry : entries) {
            byte[] bytes = read(entry, path);
            if (bytes != null) {
                return define(name, bytes, entry);
            }
        }
        throw new ClassNotFoundException(name);
    }

    private Class<?> define(String name, byte[] bytes, Entry entry) {
        int major = AppBytecode.majorVersion(bytes);
        int supported = ClassFile.latestMajorVersion();
        if (major > supported) {
            throw new UnsupportedClassVersionError(name + " has been compiled by a more recent version of the Java "
                    + "Runtime (class file version " + major + ".0, Java " + AppBytecode.javaRelease(major)
                    + "), this server runs Java " + Runtime.version().feature() + " which recognizes class file "
                    + "versions up to " + supported + ".0");
        }
        byte[] rewritten;
        try {
            rewritten = AppBytecode.rewrite(bytes, hierarchy);
        } catch (RuntimeException e) {
            // Stack-map generation can need a class the app does not ship (an optional dependency): run it as is.
            LOG.warn("In-process app '{}': class {} kept unchanged (its System.getenv/exit/out calls are not "
                    + "isolated): {}", appName, name, e.toString());
            rewritten = bytes;
        }
        definePackageOf(name, entry);
        return defineClass(name, rewritten, 0, rewritten.length, entry.protectionDomain());
    }

    /** Defines the class's package, with the jar manifest's title/version/vendor when there is one. */
    private void definePackageOf(String className, Entry entry) {
        int dot = className.lastIndexOf('.');
        if (dot > 0) {
            String pkg = className.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    if (entry != null && entry.manifest() != null) {
                        definePackage(pkg, entry.manifest(), entry.url());
                    } else {
                        definePackage(pkg, null, null, null, null, null, null, null);
                    }
                } catch (IllegalArgumentException e) {
                    // defined concurrently by another thread
                }
            }
        }
    }

    private Class<?> defineRuntimeClass(String name) throws ClassNotFoundException {
        String path = name.replace('.', '/').concat(".class");
        try (InputStream in = AppClassLoader.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            definePackageOf(name, null);
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }

    private static byte[] read(Entry entry, String path) {
        try {
            if (entry.jar() != null) {
                JarEntry je = entry.jar().getJarEntry(path);
                if (je == null) {
                    return null;
                }
                try (InputStream in = entry.jar().getInputStream(je)) {
                    return in.readAllBytes();
                }
            }
            return Files.readAllBytes(entry.path().resolve(path));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path + " from " + entry.path(), e);
        }
    }

    /** For the class hierarchy resolver: {@code Lcom/x/Y;} from the app first, then through the parent. */
    private InputStream classBytesAsStream(String descriptor) {
        String internal = descriptor.substring(1, descriptor.length() - 1);
        String path = internal + ".class";
        if (host != null && fromHost.test(internal.replace('/', '.'))) {
            return host.getResourceAsStream(path);
        }
        for (Entry entry : entries) {
            byte[] bytes = read(entry, path);
            if (bytes != null) {
                return new java.io.ByteArrayInputStream(bytes);
            }
        }
        return getParent().getResourceAsStream(path);
    }

    @Override
    public void close() throws IOException {
        try {
            for (Entry entry : entries) {
                if (entry.jar() != null) {
                    entry.jar().close();
                }
            }
        } finally {
            super.close();
        }
    }

    private static URL[] urls(List<Path> classPath) {
        URL[] urls = new URL[classPath.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = classPath.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(e);
            }
        }
        return urls;
    }
}
