package dev.porter.hosting.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Spring Boot executable jar read by Porter itself (Boot's {@code JarLauncher} cannot be reused inside an app
 * domain: its class loader and its {@code jar:nested:} URL handler are JVM-global). The jar's
 * {@code BOOT-INF/classes/} and {@code BOOT-INF/lib/*.jar} are extracted once per content hash — IIS's "shadow copy" —
 * under {@code <java.io.tmpdir>/porter-shadow/<sha256>/}, and the class path is ordered by
 * {@code BOOT-INF/classpath.idx}. Resources then have plain {@code file:} / {@code jar:file:} URLs.
 *
 * @param startClass the manifest's {@code Start-Class}
 * @param classPath the extracted classes folder, then the libraries in Boot's order
 * @param hasStarter whether the app depends on {@code dev.porter:porter-spring-boot} or {@code porter-spring-boot3}
 */
record BootJar(String startClass, List<Path> classPath, boolean hasStarter) {

    static BootJar open(Path jar) throws DeploymentException {
        String startClass;
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest m = file.getManifest();
            startClass = m == null ? null : m.getMainAttributes().getValue("Start-Class");
            if (m != null && m.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS) == null) {
                startClass = null;
            }
        } catch (IOException e) {
            throw DeploymentException.badInput("Cannot read the jar '" + jar + "': " + e.getMessage());
        }
        if (startClass == null || startClass.isBlank()) {
            throw DeploymentException.badInput("'" + jar + "' has no Start-Class in its manifest: not a Spring Boot "
                    + "executable jar.");
        }
        Path dir;
        try {
            dir = shadowCopy(jar);
        } catch (IOException e) {
            throw DeploymentException.failed("Extracting the Spring Boot jar '" + jar + "' failed: " + e);
        }
        List<Path> classPath = new ArrayList<>();
        classPath.add(dir.resolve("classes"));
        boolean starter = false;
        try {
            Path index = dir.resolve("classpath.idx");
            List<String> order = Files.exists(index) ? Files.readAllLines(index) : List.of();
            List<Path> libs = new ArrayList<>();
            for (String line : order) {
                String name = line.replace("- ", "").replace("\"", "").trim();
                if (name.startsWith("BOOT-INF/lib/")) {
                    Path p = dir.resolve("lib").resolve(name.substring("BOOT-INF/lib/".length()));
                    if (Files.exists(p)) {
                        libs.add(p);
                    }
                }
            }
            try (Stream<Path> s = Files.list(dir.resolve("lib"))) {
                s.sorted(Comparator.naturalOrder()).filter(p -> !libs.contains(p)).forEach(libs::add);
            }
            for (Path lib : libs) {
                String n = lib.getFileName().toString();
                starter |= n.startsWith("porter-spring-boot-") || n.startsWith("porter-spring-boot3-");
            }
            classPath.addAll(libs);
        } catch (IOException e) {
            throw DeploymentException.failed("Reading the shadow copy of '" + jar + "' failed: " + e);
        }
        return new BootJar(startClass.trim(), List.copyOf(classPath), starter);
    }

    URL[] urls() {
        URL[] urls = new URL[classPath.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = classPath.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }
        return urls;
    }

    /** The extracted folder for this jar's content, extracted now unless an earlier start did. */
    private static Path shadowCopy(Path jar) throws IOException {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "porter-shadow");
        Path dir = root.resolve(sha256(jar));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "extracting-");
        Files.createDirectories(tmp.resolve("classes"));
        Files.createDirectories(tmp.resolve("lib"));
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(jar))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                Path target;
                if (name.startsWith("BOOT-INF/classes/")) {
                    target = tmp.resolve("classes").resolve(name.substring("BOOT-INF/classes/".length()));
                } else if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar")) {
                    target = tmp.resolve("lib").resolve(name.substring("BOOT-INF/lib/".length()));
                } else if (name.equals("BOOT-INF/classpath.idx")) {
                    target = tmp.resolve("classpath.idx");
                } else {
                    continue;
                }
                target = target.normalize();
                if (!target.startsWith(tmp)) {
                    throw new IOException("entry '" + name + "' points outside the jar's folder");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException
                | java.nio.file.DirectoryNotEmptyException e) {
            deleteTree(tmp); // another start extracted the same content first
        }
        return dir;
    }

    private static String sha256(Path jar) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(jar), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
