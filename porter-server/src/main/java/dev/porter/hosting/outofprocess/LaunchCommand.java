package dev.porter.hosting.outofprocess;

import dev.porter.config.AppPaths;
import dev.porter.config.AspNetCoreConfig;
import dev.porter.config.EnvironmentExpander;
import dev.porter.hosting.ServerEnvironment;
import dev.porter.hosting.servlet.WarRunnerCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's command line (spec §1.1): {@code processPath} (or {@code ANCM_LAUNCHER_PATH}) resolved, then
 * {@code arguments} (or {@code ANCM_LAUNCHER_ARGS}) split as a POSIX shell splits words.
 *
 * <p>Resolution of {@code processPath}: a path that names an existing file relative to the application directory
 * becomes that full path (ANCM's rule); otherwise a bare {@code java} means the JVM Porter runs on (DESIGN.md: an app
 * behaves the same in both hosting models); anything else is left to the OS's {@code PATH} lookup.
 *
 * <p>Children must not outlive the server, even one killed with SIGKILL (ANCM: a kill-on-close Job Object). Java cannot
 * set a parent-death signal itself, so the command is wrapped in {@code setpriv --pdeathsig KILL --}, which sets it
 * and then execs the command (same pid). The kernel sends that signal when the <em>thread</em> that forked the child
 * exits, so children are forked from one long-lived platform thread ({@link ProcessLauncher}). Then {@code setsid}
 * makes the child the leader of its own process group (see {@link ProcessGroup}).
 *
 * @param command the argument vector to execute (wrapper included)
 * @param commandLine the command line as ANCM shows it in events: {@code processPath + " " + arguments}
 * <p>Beyond ANCM: a {@code %NAME%} still left in {@code processPath} or {@code arguments} after the parser's expansion
 * (against the server's environment) is expanded per process against the child's own environment
 * ({@link #commandFor}), so {@code %ASPNETCORE_PORT%} and HttpPlatformHandler's {@code %HTTP_PLATFORM_PORT%} reach the
 * program as the port: {@code python3 -m http.server %ASPNETCORE_PORT% --bind 127.0.0.1} works.
 *
 * @param command the argument vector to execute (wrapper included), {@code %NAME%} not yet expanded
 * @param commandLine the command line as ANCM shows it in events: {@code processPath + " " + arguments}
 * @param ownProcessGroup whether the child leads its own process group (pgid = pid)
 * @param executable the index in {@code command} of the program itself (after the wrappers)
 * @param processPathHasVariable whether {@code processPath} still holds a {@code %}: it is resolved after expansion
 */
record LaunchCommand(List<String> command, String commandLine, boolean ownProcessGroup, int executable,
        boolean processPathHasVariable) {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchCommand.class);
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    static final Path SETSID = Path.of("/usr/bin/setsid");
    private static volatile boolean warnedNoSetpriv;

    static LaunchCommand of(AspNetCoreConfig config, Path appDirectory, ServerEnvironment environment) {
        String processPath = dev.porter.hosting.LauncherOverride.processPath(config, environment);
        String arguments = dev.porter.hosting.LauncherOverride.arguments(config, environment);
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        } else if (!warnedNoSetpriv) {
            warnedNoSetpriv = true;
            LOG.warn("{} not found: a child process will outlive Porter if Porter itself is killed with SIGKILL "
                    + "(a graceful stop still stops it)", SETPRIV);
        }
        boolean ownGroup = Files.isExecutable(SETSID);
        if (ownGroup) {
            // Own session and process group (ANCM: CREATE_NEW_PROCESS_GROUP): a Ctrl-C at the terminal that runs Porter
            // reaches Porter, which then stops the child gracefully, not the child directly; and the group keeps the
            // child's descendants findable (ProcessGroup). setsid execs in place: same pid.
            command.add(SETSID.toString());
        }
        int executable = command.size();
        String resolved = resolveExecutable(processPath, appDirectory);
        command.add(resolved);
        List<String> words = splitArguments(arguments);
        boolean java = Path.of(resolved).getFileName().toString().equals("java");
        command.addAll(java ? WarRunnerCommand.rewrite(words) : words); // -war: Porter's runner
        return new LaunchCommand(List.copyOf(command), processPath + " " + arguments, ownGroup, executable,
                processPath.indexOf('%') >= 0);
    }

    /**
     * The argument vector for one process: each word's {@code %NAME%} expanded against {@code environment} (the
     * child's block: names case-insensitive, an unknown name left as written, as {@code ExpandEnvironmentStrings}
     * does). Words are expanded after splitting, so a value with blanks stays one word. A {@code processPath} that
     * held a variable is resolved (application directory, {@code java}) once expanded.
     */
    List<String> commandFor(Map<String, String> environment, Path appDirectory) {
        boolean any = false;
        for (int i = executable; i < command.size() && !any; i++) {
            any = command.get(i).indexOf('%') >= 0;
        }
        if (!any) {
            return command;
        }
        EnvironmentExpander expander = new EnvironmentExpander(environment);
        List<String> expanded = new ArrayList<>(command.size());
        for (int i = 0; i < command.size(); i++) {
            String word = command.get(i);
            if (i < executable) {
                expanded.add(word);
            } else if (i == executable && processPathHasVariable) {
                expanded.add(resolveExecutable(expander.expand(word), appDirectory));
            } else {
                expanded.add(expander.expand(word));
            }
        }
        return List.copyOf(expanded);
    }

    static String resolveExecutable(String processPath, Path appDirectory) {
        if (processPath.indexOf('%') < 0) {
            Path inApp = AppPaths.resolve(appDirectory, processPath);
            if (Files.isRegularFile(inApp)) {
                return inApp.toString();
            }
        }
        if (processPath.equals("java")) {
            return currentJava();
        }
        return processPath.replace('\\', '/');
    }

    /** The launcher of the JVM Porter runs on. */
    static String currentJava() {
        return ProcessHandle.current().info().command()
                .filter(c -> Path.of(c).getFileName().toString().equals("java"))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Splits like a POSIX shell (no expansion): blanks separate words; {@code '...'} is literal; {@code "..."} keeps
     * blanks and honours {@code \"}, {@code \\}, {@code \$} and {@code \`}; outside quotes a backslash escapes a
     * blank, a quote or a backslash and is otherwise literal, so that Windows-style paths ({@code lib\app.jar}) written
     * for IIS survive. An unterminated quote runs to the end of the line.
     */
    static List<String> splitArguments(String arguments) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int n = arguments.length();
        for (int i = 0; i < n; i++) {
            char c = arguments.charAt(i);
            if (c == '\'') {
                inWord = true;
                int end = arguments.indexOf('\'', i + 1);
                end = end < 0 ? n : end;
                word.append(arguments, i + 1, end);
                i = end;
            } else if (c == '"') {
                inWord = true;
                i++;
                while (i < n && arguments.charAt(i) != '"') {
                    char d = arguments.charAt(i);
                    if (d == '\\' && i + 1 < n && "\"\\$`".indexOf(arguments.charAt(i + 1)) >= 0) {
                        d = arguments.charAt(++i);
                    }
                    word.append(d);
                    i++;
                }
            } else if (c == '\\' && i + 1 < n && " \t\"'\\".indexOf(arguments.charAt(i + 1)) >= 0) {
                inWord = true;
                word.append(arguments.charAt(++i));
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                inWord = true;
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
