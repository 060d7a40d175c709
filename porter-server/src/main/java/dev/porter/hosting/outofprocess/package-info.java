/**
 * {@code hostingModel="outofprocess"} (spec/ancm-contract.md §1, §5): the application runs as child processes on
 * {@code 127.0.0.1:$ASPNETCORE_PORT}, requests are forwarded to them.
 *
 * <ul>
 * <li>{@link OutOfProcessHosting} — the factory: one
 * {@link OutOfProcessHandler} per application incarnation.</li>
 * <li>{@link OutOfProcessHandler} — admits a request ({@link AdmittedRequests}: the drain count), routes it to the
 * least busy slot's process, waits off the event loop for a start, answers 502.5 / 503, and decides on the forward's
 * {@code ForwardOutcome} (route again once a dead process's exit is seen, 502.3, or 503).</li>
 * <li>{@link ProcessManager} — the {@code processesPerApplication} slots, least outstanding requests first,
 * two start attempts, crash watch (each exit an event: {@link BackendProcess#whenExitSeen}), rapid-fail window,
 * graceful stop side by side.</li>
 * <li>{@link BackendProcess} — one child: port, token, its forwarder, readiness probe, shutdown
 * message, SIGTERM, SIGKILL of the tree.</li>
 * <li>{@link LaunchCommand}, {@link dev.porter.hosting.ancm.AncmEnvironment},
 * {@link PortPicker} — the command line, environment block and port (§1.1, §1.2).</li>
 * <li>{@link ProcessLauncher}, {@link ProcessGroup},
 * {@link ProcessWatchdog} — children never outlive the server: parent-death signal
 * from a long-lived forking thread, own process group, and a watchdog that kills the groups when Porter dies.</li>
 * <li>{@link OutputCapture}, {@link StdoutLog} —
 * stdout/stderr: the 30,000-character capture or the timestamped log file (§5).</li>
 * <li>{@link ProcessEvents}, {@link ModuleDebugLog} —
 * ANCM's event texts in the server log, and the {@code debugLevel}/{@code debugFile} diagnostic log.</li>
 * <li>{@code forwarding} — the forwarder: pooled keep-alive HTTP/1.1 to one backend (§1.4–§1.6).</li>
 * </ul>
 */
package dev.porter.hosting.outofprocess;
