package dev.porter.hosting.outofprocess;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child's process group: Porter starts each child as the leader of its own session (ANCM creates it in a new process
 * group), so its descendants, even orphaned ones whose parent died, stay findable by the group id, which is the
 * child's pid. That is Porter's stand-in for ANCM's Job Object: what is left of the group after the child is gone is
 * killed. Members are found in {@code /proc/<pid>/stat} (Linux); elsewhere the group is empty and only the descendants
 * Java can see are killed. Blocking (reads /proc): call it from a virtual thread.
 */
final class ProcessGroup {

    private static final Path PROC = Path.of("/proc");

    private ProcessGroup() {
    }

    /** The live processes whose process group is {@code pgid}. */
    static List<ProcessHandle> members(long pgid) {
        List<ProcessHandle> members = new ArrayList<>();
        if (!Files.isDirectory(PROC)) {
            return members;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path entry : entries) {
                long group = groupOf(entry);
                if (group == pgid) {
                    ProcessHandle.of(Long.parseLong(entry.getFileName().toString())).ifPresent(members::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc changes under us; whoever vanished needs no killing
        }
        return members;
    }

    /** SIGKILL to every member of the group; returns how many there were. */
    static int kill(long pgid) {
        List<ProcessHandle> members = members(pgid);
        members.forEach(ProcessHandle::destroyForcibly);
        return members.size();
    }

    /** Field 5 of /proc/<pid>/stat, read after the command name (which may contain blanks and parentheses). */
    private static long groupOf(Path procEntry) {
        try {
            String stat = Files.readString(procEntry.resolve("stat"));
            int end = stat.lastIndexOf(')');
            String[] fields = stat.substring(end + 2).split(" ", 4); // state ppid pgrp ...
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
