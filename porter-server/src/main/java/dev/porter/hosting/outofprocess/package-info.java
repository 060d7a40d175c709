/**
 * {@code hostingModel="outofprocess"} (spec/ancm-contract.md §1, §5): the application runs as child processes on
 * {@code 127.0.0.1:$ASPNETCORE_PORT}, requests are forwarded to them.
 *
 * <ul>
 * <li>{@link dev.porter.hosting.outofprocess.OutOfProcessHosting} — the factory: one
 * {@link dev.porter.hosting.outofprocess.OutOfProcessHandler} per application incarnation.</li>
 * <li>{@link dev.porter.hosting.outofprocess.OutOfProcessHandler} — routes a request to the next slot's process, waits
 * off the event loop for a start, answers 502.5 / 503, drains before a stop.</li>
 * <li>{@link dev.porter.hosting.outofprocess.ProcessManager} — the {@code processesPerApplication} slots, round-robin,
 * two start attempts, crash watch, rapid-fail window, sequential graceful stop.</li>
 * <li>{@link dev.porter.hosting.outofprocess.BackendProcess} — one child: port, token, readiness probe, shutdown
 * message, SIGTERM, SIGKILL of the tree.</li>
 * <li>{@link dev.porter.hosting.outofprocess.LaunchCommand}, {@link dev.porter.hosting.outofprocess.BackendEnvironment},
 * {@link dev.porter.hosting.outofprocess.PortPicker} — the command line, environment block and port (§1.1, §1.2).</li>
 * <li>{@link dev.porter.hosting.outofprocess.ProcessLauncher}, {@link dev.porter.hosting.outofprocess.ProcessGroup},
 * {@link dev.porter.hosting.outofprocess.ProcessWatchdog} — children never outlive the server: parent-death signal
 * from a long-lived forking thread, own process group, and a watchdog that kills the groups when Porter dies.</li>
 * <li>{@link dev.porter.hosting.outofprocess.OutputCapture}, {@link dev.porter.hosting.outofprocess.StdoutLog} —
 * stdout/stderr: the 30,000-character capture or the timestamped log file (§5).</li>
 * <li>{@link dev.porter.hosting.outofprocess.ProcessEvents}, {@link dev.porter.hosting.outofprocess.ModuleDebugLog} —
 * ANCM's event texts in the server log, and the {@code debugLevel}/{@code debugFile} diagnostic log.</li>
 * <li>{@code forwarding} — the forwarder: pooled keep-alive HTTP/1.1 to one backend (§1.4–§1.6).</li>
 * </ul>
 */
package dev.porter.hosting.outofprocess;
