package dev.porter.config;

import java.nio.file.Path;

/**
 * Paths as IIS users write them in web.config: {@code .\logs\stdout}, {@code ..\shared}, {@code C:}-less absolute
 * paths. Backslashes become {@code /}; a relative path is relative to the application directory.
 */
public final class AppPaths {

    private AppPaths() {
    }

    /** Converts Windows separators and resolves against {@code appDirectory}; normalised, absolute. */
    public static Path resolve(Path appDirectory, String configured) {
        String unixy = configured.replace('\\', '/');
        Path path = Path.of(unixy);
        return (path.isAbsolute() ? path : appDirectory.resolve(path)).toAbsolutePath().normalize();
    }
}
