package dev.porter.hosting;

import dev.porter.config.AppPaths;
import dev.porter.config.AspNetCoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * ANCM's shadow copy ({@code enableShadowCopy}, {@code shadowCopyDirectory} handler settings, spec §4), for both
 * hosting models: each incarnation runs from its own copy of the application directory, in a numbered folder
 * ({@code 0}, {@code 1}, ...) of the shadow copy directory, so a deploy can overwrite the app's files (a new jar) while
 * the running incarnation keeps its own, and a changed file recycles the app. What is not copied: the shadow copy
 * directory itself, a {@code logs} folder and the stdout log's folder, {@code app_offline.htm}.
 *
 * <p>Stateless; its methods do file work and run on virtual threads, never on an event loop.
 */
final class ShadowCopy {

    static final String DEFAULT_DIRECTORY = "ShadowCopyDirectory";
    /** The folder of a node directory that holds the node's shadow copies (no {@code shadowCopyDirectory} set). */
    static final String NODE_FOLDER = "shadowcopy";

    private ShadowCopy() {
    }

    /** Whether web.config asks for shadow copying ({@code enableShadowCopy} or .NET 6's experimental name). */
    static boolean enabled(AspNetCoreConfig config) {
        return config.handlerFlag("enableShadowCopy", false)
                || config.handlerFlag("experimentalEnableShadowCopy", false);
    }

    /**
     * The shadow copy directory: {@code shadowCopyDirectory} relative to the app directory; else, on a farm node with
     * its own directory ({@code nodeDirectory}, may be null), {@code <node>/shadowcopy/<the app directory's absolute
     * path>} so that nodes sharing the app directory never copy into the same place; else the default beside the app.
     */
    static Path directory(AspNetCoreConfig config, Path appDirectory, Path nodeDirectory) {
        String configured = config.handlerSetting("shadowCopyDirectory").map(String::trim).filter(s -> !s.isEmpty())
                .orElse(null);
        Path app = appDirectory.toAbsolutePath().normalize();
        if (configured == null && nodeDirectory != null) {
            Path under = nodeDirectory.toAbsolutePath().normalize().resolve(NODE_FOLDER);
            return (app.getRoot() == null ? under.resolve(app) : under.resolve(app.getRoot().relativize(app)))
                    .normalize();
        }
        return AppPaths.resolve(app, configured == null ? DEFAULT_DIRECTORY : configured).toAbsolutePath().normalize();
    }

    /** Whether a change to this entry of the app directory (top level) is one of the app's files. */
    static boolean isAppFile(AspNetCoreConfig config, Path appDirectory, Path nodeDirectory, String name) {
        Path entry = appDirectory.resolve(name).toAbsolutePath().normalize();
        return !name.equalsIgnoreCase("web.config") && !name.equalsIgnoreCase(AppOfflineHandler.FILE_NAME)
                && !skipped(config, appDirectory, nodeDirectory, entry);
    }

    /** Whether a directory under the app directory is left out of the copy (and its changes recycle nothing). */
    static boolean skipped(AspNetCoreConfig config, Path appDirectory, Path nodeDirectory, Path entry) {
        Path app = appDirectory.toAbsolutePath().normalize();
        Path e = entry.toAbsolutePath().normalize();
        if (e.startsWith(directory(config, app, nodeDirectory))) {
            return true;
        }
        if (e.getParent() != null && e.getParent().equals(app) && e.getFileName() != null) {
            String name = e.getFileName().toString();
            if (name.toLowerCase(Locale.ROOT).equals("logs") || name.equalsIgnoreCase(AppOfflineHandler.FILE_NAME)) {
                return true;
            }
        }
        if (config.stdoutLogFile() != null && !config.stdoutLogFile().isBlank()) {
            Path logs = AppPaths.resolve(app, config.stdoutLogFile()).toAbsolutePath().normalize().getParent();
            return logs != null && !logs.equals(app) && e.startsWith(logs);
        }
        return false;
    }

    /** Whether web.config asks for the copies an earlier run left behind to go ({@code cleanShadowCopyDirectory}). */
    static boolean cleanRequested(AspNetCoreConfig config) {
        return config.handlerFlag("cleanShadowCopyDirectory", false);
    }

    /**
     * Removes the numbered copies in the shadow copy directory: called before the first copy this Porter makes for an
     * app, when none of them can belong to an incarnation of this Porter (they are what a killed Porter left behind).
     * Other entries of the directory are not touched. Returns how many copies were removed; one that cannot be
     * removed (a file in use) is left, and the numbering goes on after it.
     */
    static int removeLeftovers(AspNetCoreConfig config, Path appDirectory, Path nodeDirectory) {
        Path root = directory(config, appDirectory.toAbsolutePath().normalize(), nodeDirectory);
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> copies = entries.filter(p -> p.getFileName().toString().matches("\\d{1,9}"))
                    .filter(Files::isDirectory).toList();
            copies.forEach(ShadowCopy::delete);
            return (int) copies.stream().filter(p -> !Files.exists(p)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Copies the app directory into the next numbered folder and returns it. */
    static Path create(AspNetCoreConfig config, Path appDirectory, Path nodeDirectory) {
        Path app = appDirectory.toAbsolutePath().normalize();
        Path root = directory(config, app, nodeDirectory);
        try {
            Files.createDirectories(root);
            Path target = root.resolve(Integer.toString(nextNumber(root)));
            Files.walkFileTree(app, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(app) && skipped(config, app, nodeDirectory, dir)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    Files.createDirectories(target.resolve(app.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!skipped(config, app, nodeDirectory, file)) {
                        Files.copy(file, target.resolve(app.relativize(file).toString()),
                                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make a shadow copy of " + app + " in " + root + ": " + e, e);
        }
    }

    private static int nextNumber(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}"))
                    .mapToInt(Integer::parseInt).max().orElse(-1) + 1;
        }
    }

    /** Removes a copy an incarnation no longer uses; a failure is left for the next clean-up. */
    static void delete(Path copy) {
        try (Stream<Path> walk = Files.walk(copy)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // in use or gone: left behind
                }
            });
        } catch (IOException e) {
            // gone already
        }
    }
}
