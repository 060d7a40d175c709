package dev.porter.hosting.inprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Packages test applications (classes of porter-testapps, found on the test class path) as their own jars, so an app
 * domain loads them from a jar like a real app's.
 */
final class AppJars {

    private AppJars() {
    }

    /** Writes {@code jar} with a {@code Main-Class} manifest and these classes (and their nested classes $1..$20). */
    static Path build(Path jar, String mainClass, String... otherClasses) {
        return build(jar, mainClass, null, otherClasses);
    }

    /** As {@link #build(Path, String, String...)}; {@code classFileMajor} (if not null) patches the main class. */
    static Path build(Path jar, String mainClass, Integer classFileMajor, String... otherClasses) {
        return withClassPath(jar, mainClass, classFileMajor, null, otherClasses);
    }

    /**
     * @param mainClass the manifest's Main-Class and the first class in the jar; null for a library jar
     * @param classPath the manifest's Class-Path, or null
     */
    static Path withClassPath(Path jar, String mainClass, Integer classFileMajor, String classPath,
            String... otherClasses) {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try {
            Files.createDirectories(jar.getParent());
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file,
                    manifest)) {
                if (mainClass != null) {
                    add(out, mainClass, classFileMajor);
                }
                for (String other : otherClasses) {
                    add(out, other, null);
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(JarOutputStream out, String className, Integer major) throws IOException {
        String path = className.replace('.', '/') + ".class";
        byte[] bytes = read(path);
        if (bytes == null) {
            throw new IllegalArgumentException("No class file " + path + " on the test class path");
        }
        if (major != null) {
            bytes[6] = (byte) (major >> 8);
            bytes[7] = (byte) (major & 0xff);
        }
        out.putNextEntry(new JarEntry(path));
        out.write(bytes);
        out.closeEntry();
        for (int i = 1; i <= 20; i++) {
            String nested = className.replace('.', '/') + "$" + i + ".class";
            byte[] nb = read(nested);
            if (nb != null) {
                out.putNextEntry(new JarEntry(nested));
                out.write(nb);
                out.closeEntry();
            }
        }
    }

    private static byte[] read(String path) throws IOException {
        try (InputStream in = AppJars.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
