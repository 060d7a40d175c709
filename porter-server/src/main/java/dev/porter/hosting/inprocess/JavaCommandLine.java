package dev.porter.hosting.inprocess;

import dev.porter.config.AppPaths;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The in-process reading of web.config's {@code processPath} + {@code arguments} (the Java twin of ANCM's
 * {@code GetHostFxrParameters}, spec §3.1 step 3): {@code processPath} must be {@code java} (or a path to a java
 * launcher), {@code arguments} a java command line — {@code -jar app.jar}, or {@code -cp a.jar:lib/* com.example.Main},
 * with {@code -Dk=v} options and program arguments. Jars are resolved against the application directory, a manifest
 * {@code Class-Path} is followed, {@code dir/*} means the directory's jars. Other JVM options cannot apply to a domain
 * inside the server's JVM: they are reported and ignored.
 *
 * @param classPath the jars and directories the domain's class loader reads, in order
 * @param mainClass the class whose {@code main} runs
 * @param systemProperties the {@code -D} options, in order
 * @param programArguments what {@code main} receives
 * @param ignoredOptions JVM options that mean nothing in-process (for a warning)
 */
record JavaCommandLine(List<Path> classPath, String mainClass, SequencedMap<String, String> systemProperties,
        List<String> programArguments, List<String> ignoredOptions) {

    /** Why the command line cannot be loaded in-process: the message is the 500.0 reason (and event 1031). */
    static final class InvalidCommandLineException extends Exception {
        InvalidCommandLineException(String message) {
            super(message);
        }
    }

    static JavaCommandLine parse(String processPath, String arguments, Path appDirectory)
            throws InvalidCommandLineException {
        checkProcessPath(processPath, appDirectory);
        List<String> tokens = tokenize(arguments);
        if (tokens.isEmpty()) {
            throw new InvalidCommandLineException("Application arguments are empty.");
        }
        SequencedMap<String, String> properties = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        List<Path> classPath = new ArrayList<>();
        String mainClass = null;
        int i = 0;
        for (; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("-jar")) {
                if (i + 1 >= tokens.size()) {
                    throw new InvalidCommandLineException("'-jar' must be followed by the application's jar file.");
                }
                Path jar = AppPaths.resolve(appDirectory, tokens.get(++i));
                requireFile(jar, "Application jar");
                classPath.clear();
                classPath.add(jar);
                mainClass = manifestMainClass(jar);
                i++;
                break;
            } else if (t.equals("-cp") || t.equals("-classpath") || t.equals("--class-path")) {
                if (i + 1 >= tokens.size()) {
                    throw new InvalidCommandLineException("'" + t + "' must be followed by a class path.");
                }
                classPath.clear();
                for (String entry : tokens.get(++i).split(":", -1)) {
                    if (!entry.isEmpty()) {
                        expandEntry(AppPaths.resolve(appDirectory, entry), entry, classPath);
                    }
                }
            } else if (t.startsWith("-D")) {
                int eq = t.indexOf('=');
                String key = eq < 0 ? t.substring(2) : t.substring(2, eq);
                if (key.isEmpty()) {
                    throw new InvalidCommandLineException("'" + t + "' names no system property.");
                }
                properties.put(key, eq < 0 ? "" : t.substring(eq + 1));
            } else if (t.startsWith("-")) {
                ignored.add(t);
                if (takesValue(t) && i + 1 < tokens.size()) {
                    ignored.add(tokens.get(++i));
                }
            } else {
                mainClass = t;
                i++;
                break;
            }
        }
        if (mainClass == null) {
            throw new InvalidCommandLineException("The java command line '" + arguments
                    + "' names no main class: use '-jar app.jar' or '-cp <class path> <main class>'.");
        }
        if (classPath.isEmpty()) {
            throw new InvalidCommandLineException("The java command line '" + arguments
                    + "' has no class path: use '-jar app.jar' or '-cp <class path> <main class>'.");
        }
        List<Path> full = new ArrayList<>();
        for (Path entry : classPath) {
            addWithManifestClassPath(entry, full);
        }
        return new JavaCommandLine(List.copyOf(full), mainClass, properties, List.copyOf(tokens.subList(i,
                tokens.size())), List.copyOf(ignored));
    }

    /** A bare {@code java} (any case, optional {@code .exe}) or a path whose file name is that. */
    private static void checkProcessPath(String processPath, Path appDirectory) throws InvalidCommandLineException {
        String unixy = processPath.replace('\\', '/').trim();
        String name = unixy.substring(unixy.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (!name.equals("java") && !name.equals("java.exe")) {
            throw new InvalidCommandLineException("Process path '" + processPath + "' is not a java launcher: "
                    + "an in-process application runs in the server's JVM, so processPath must be 'java' (or a path "
                    + "to a java launcher) and arguments a java command line. Use hostingModel=\"outofprocess\" to "
                    + "run other executables.");
        }
        if (unixy.contains("/")) {
            Path exe = AppPaths.resolve(appDirectory, unixy);
            if (!Files.exists(exe)) {
                throw new InvalidCommandLineException("Executable was not found at '" + exe + "'");
            }
        }
    }

    private static boolean takesValue(String option) {
        return switch (option) {
            case "-p", "--module-path", "--add-modules", "--add-opens", "--add-exports", "--add-reads", "-javaagent",
                    "--enable-native-access", "-m", "--module" -> true;
            default -> false;
        };
    }

    private static void requireFile(Path file, String what) throws InvalidCommandLineException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidCommandLineException(what + " was not found at '" + file + "'");
        }
    }

    private static void expandEntry(Path resolved, String written, List<Path> into)
            throws InvalidCommandLineException {
        if (resolved.getFileName() != null && resolved.getFileName().toString().equals("*")) {
            Path dir = resolved.getParent();
            if (!Files.isDirectory(dir)) {
                throw new InvalidCommandLineException("Class path entry '" + written + "': directory '" + dir
                        + "' was not found");
            }
            List<Path> jars = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                for (Path p : s) {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (n.endsWith(".jar") && Files.isRegularFile(p)) {
                        jars.add(p);
                    }
                }
            } catch (IOException e) {
                throw new InvalidCommandLineException("Class path entry '" + written + "': cannot list '" + dir
                        + "': " + e.getMessage());
            }
            jars.sort(null);
            into.addAll(jars);
            return;
        }
        if (!Files.exists(resolved)) {
            throw new InvalidCommandLineException("Class path entry '" + written + "' was not found at '"
                    + resolved + "'");
        }
        into.add(resolved);
    }

    private static String manifestMainClass(Path jar) throws InvalidCommandLineException {
        Manifest manifest = manifest(jar);
        String main = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
        if (main == null || main.isBlank()) {
            throw new InvalidCommandLineException("no main manifest attribute, in '" + jar + "'");
        }
        return main.trim();
    }

    private static Manifest manifest(Path jar) throws InvalidCommandLineException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest();
        } catch (IOException e) {
            throw new InvalidCommandLineException("Cannot read the jar '" + jar + "': " + e.getMessage());
        }
    }

    /** Adds a jar and, depth first, what its manifest's {@code Class-Path} names (relative URLs, missing skipped). */
    private static void addWithManifestClassPath(Path entry, List<Path> into) throws InvalidCommandLineException {
        if (into.contains(entry)) {
            return;
        }
        into.add(entry);
        if (!Files.isRegularFile(entry)) {
            return;
        }
        Manifest manifest = manifest(entry);
        String cp = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        if (cp == null) {
            return;
        }
        for (String url : cp.trim().split("\\s+", -1)) {
            if (url.isEmpty()) {
                continue;
            }
            Path p;
            try {
                p = Path.of(entry.getParent().toUri().resolve(new URI(null, null, url, null))).normalize();
            } catch (Exception e) {
                continue; // the JVM skips entries it cannot read, too
            }
            if (Files.exists(p)) {
                addWithManifestClassPath(p, into);
            }
        }
    }

    /** Splits like a shell would for simple cases: whitespace separates, double or single quotes group. */
    static List<String> tokenize(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inToken = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    tokens.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
            } else {
                cur.append(c);
                inToken = true;
            }
        }
        if (inToken) {
            tokens.add(cur.toString());
        }
        return tokens;
    }


}
