package dev.porter.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Takes an application offline and back the way IIS deploy tools (Web Deploy, {@code dotnet publish}) do: by writing
 * and removing {@code app_offline.htm} in its directory, which the hosting module watches (spec §6). So the state is
 * the file's, whoever put it there, and survives a restart of Porter. The file is written beside and renamed into
 * place, so the watcher never reads half a page.
 *
 * <p>Threading: blocking file operations; call from the admin listener's virtual threads.
 */
final class AppOffline {

    static final String FILE_NAME = "app_offline.htm";

    private AppOffline() {
    }

    static void takeOffline(Path appDirectory, String html) {
        Path target = appDirectory.resolve(FILE_NAME);
        try {
            Path temp = Files.createTempFile(appDirectory, ".app_offline", ".tmp");
            Files.writeString(temp, html, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Removes every {@code app_offline.htm} (any case, as the hosting module matches it); whether there was one. */
    static boolean bringOnline(Path appDirectory) {
        List<Path> found;
        try (Stream<Path> files = Files.list(appDirectory)) {
            found = files.filter(p -> p.getFileName().toString().equalsIgnoreCase(FILE_NAME)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + appDirectory, e);
        }
        for (Path file : found) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + file, e);
            }
        }
        return !found.isEmpty();
    }
}
